/** The desk as an agent works it, keyboard first, with the shell mocked. */
import { cleanup, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { caseOf, courtCard, customerView, entry, pinCard } from '../../test/fixtures';
import { deskReady, signedInDesk } from '../../test/desk';
import { shellEvent } from '../../test/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('finding the caller', () => {
  it('shows each result’s name, masked phone and document, how it matched, cards and open cases', async () => {
    signedInDesk(customerView(undefined, [caseOf('instructed', { card_id: 12, id: 32 })]));
    const user = userEvent.setup();
    const input = await deskReady();
    await user.type(input, 'zhang');
    const result = await screen.findByTestId('search-result');
    const text = result.textContent ?? '';
    for (const part of ['Zhang Wei', '138****4321', '110101********123X', 'Card, last 4', '622202******4321', 'Frozen', 'Lost', '1 open cases']) {
      expect(text).toContain(part);
    }
  });

  it('says “no caller found”, and turns invalid input into the hint', async () => {
    signedInDesk();
    const user = userEvent.setup();
    const input = await deskReady();
    await user.type(input, 'nobody');
    await waitFor(() => expect(screen.getByTestId('search-status').textContent).toContain('No caller found'));
    await user.clear(input);
    await user.type(input, '12');
    expect((await screen.findByTestId('search-invalid')).textContent).toBe('Type 4 digits, a full phone/ID/card number, or a name.');
  });

  it('moves through the results with the arrows and opens with Enter', async () => {
    const view = customerView();
    const other = { ...view, customer: { ...view.customer, id: 8, name: 'Zhang San' } };
    const { mock } = signedInDesk(view, {
      search: { hits: [{ matched_by: 'name_prefix', customer: view.customer, open_cases: [] }, { matched_by: 'name_prefix', customer: other.customer, open_cases: [] }], truncated: false },
      customer: (args: Record<string, unknown>) => (args['customerId'] === 8 ? other : view),
    });
    const user = userEvent.setup();
    const input = await deskReady();
    await user.type(input, 'zhang');
    await waitFor(() => expect(screen.getAllByTestId('search-result')).toHaveLength(2));
    const [first, second] = screen.getAllByTestId('search-result');
    expect(first!.getAttribute('aria-selected')).toBe('true');
    await user.keyboard('{ArrowDown}');
    expect(second!.getAttribute('aria-selected')).toBe('true');
    expect(input.getAttribute('aria-activedescendant')).toBe(second!.id);
    await user.keyboard('{ArrowDown}{Enter}');
    expect((await screen.findByTestId('customer-name')).textContent).toBe('Zhang San');
    expect(mock.named('customer').at(-1)?.args).toEqual({ customerId: 8 });
  });

  it('focuses the search with / and Ctrl+K from anywhere', async () => {
    signedInDesk();
    const user = userEvent.setup();
    const input = await deskReady();
    input.blur();
    await user.keyboard('/');
    expect(document.activeElement).toBe(input);
    expect(input.value).toBe('');
    input.blur();
    await user.keyboard('{Control>}k{/Control}');
    expect(document.activeElement).toBe(input);
  });
});

describe('sending the unfreeze instructions', () => {
  it('goes from search to sent in four actions: /, the last four, Enter, Ctrl+Enter', async () => {
    const { mock } = signedInDesk();
    const user = userEvent.setup();
    const input = await deskReady();
    input.blur();
    await user.keyboard('/');
    await user.keyboard('4321');
    await user.keyboard('{Enter}');
    await user.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(mock.named('send_unfreeze')).toHaveLength(1));
    expect(mock.named('send_unfreeze')[0]?.args).toEqual({ cardId: 11, request: { text: true, voice: true } });
    expect(screen.getByTestId('card-11').getAttribute('aria-pressed')).toBe('true');
    expect((await screen.findByTestId('case-state')).textContent).toBe('Instructions sent');
    await waitFor(() => expect(screen.getAllByTestId('timeline-entry').length).toBeGreaterThan(0));
  });

  it('shows the policy, the preview and both channels on by default, and needs at least one', async () => {
    const { mock } = signedInDesk();
    const user = userEvent.setup();
    await user.type(await deskReady(), '4321{Enter}');
    const panel = await screen.findByTestId('unfreeze-panel');
    expect((await within(panel).findByTestId('unfreeze-preview')).textContent).toContain('验证码 •••••-•••••');
    expect(within(panel).getByTestId('unfreeze-asks').textContent).toContain('Transaction password');
    await user.keyboard('{Alt>}t{/Alt}{Alt>}v{/Alt}');
    expect(screen.getByText('Choose at least one channel.')).toBeTruthy();
    expect((screen.getByTestId('send-unfreeze') as HTMLButtonElement).disabled).toBe(true);
    await user.keyboard('{Control>}{Enter}{/Control}');
    await user.click(screen.getByTestId('send-voice'));
    await user.click(screen.getByTestId('send-unfreeze'));
    await waitFor(() => expect(mock.named('send_unfreeze')).toHaveLength(1));
    expect(mock.named('send_unfreeze')[0]?.args).toEqual({ cardId: 11, request: { text: false, voice: true } });
  });

  it('refuses a court order with the reason, and offers nothing else', async () => {
    const { mock } = signedInDesk(customerView([courtCard]));
    const user = userEvent.setup();
    await user.type(await deskReady(), '9876{Enter}');
    const refusal = await screen.findByTestId('unfreeze-refusal');
    expect(refusal.textContent).toContain('court or regulator order');
    expect(refusal.textContent).toContain('visit a branch');
    expect(screen.queryByTestId('send-unfreeze')).toBeNull();
    expect(screen.queryByTestId('step-mark')).toBeNull();
    await user.keyboard('{Control>}{Enter}{/Control}');
    expect(mock.named('send_unfreeze')).toHaveLength(0);
    expect(mock.named('preview')).toHaveLength(0);
  });

  it('says a lost card is a final state, not a freeze', async () => {
    signedInDesk();
    const user = userEvent.setup();
    await user.type(await deskReady(), '4321{Enter}');
    await user.click(await screen.findByTestId('card-13'));
    expect((await screen.findByTestId('unfreeze-refusal')).textContent).toContain('Lost: a final state, not a freeze');
  });

  it('continues a case stopped at an earlier step, step by step', async () => {
    const marked = caseOf('marked');
    const desk = signedInDesk(customerView([pinCard], [marked]), {
      timeline: [entry(1, 'case.marked')],
      package: () => (desk.setCase(caseOf('packaged')), caseOf('packaged')),
      instruct: () => (desk.setCase(caseOf('instructed')), caseOf('instructed')),
    });
    desk.setCase(marked);
    const { mock } = desk;
    const user = userEvent.setup();
    await user.type(await deskReady(), '4321{Enter}');
    expect((await screen.findByText(/stopped at “Marked”/)).textContent).toBeTruthy();
    expect(screen.queryByTestId('send-unfreeze')).toBeNull();
    await user.click(screen.getByTestId('step-package'));
    await waitFor(() => expect(mock.named('package')[0]?.args).toEqual({ caseId: 31 }));
    await user.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(mock.named('instruct')[0]?.args).toEqual({ caseId: 31, request: { text: true, voice: true } }));
    expect((await screen.findByTestId('case-state')).textContent).toBe('Instructions sent');
    expect(screen.getByTestId('resend')).toBeTruthy();
  });
});
