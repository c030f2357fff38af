/** The interview workspace as a reviewer works it, keyboard first, with the shell mocked and its events emitted. */
import { cleanup, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { emma, interview, issued, liu, minutesAgo, onInterviews, rejected, sam } from '../../test/interviews';
import { Failure, fakeAdvisor, fakeUrls, shellEvent } from '../../test/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

const ITEMS = ['face_matches_id', 'liveness', 'document_genuine', 'consent_given', 'questions_answered'] as const;

describe('the queue', () => {
  it('opens with Alt+I and shows each applicant masked, their product, age against the SLA, step and reviewer', async () => {
    await onInterviews([liu, interview(2, 'Emma Clark', { step: 'claimed', reviewer: 'agent:agent.wang', queued_since: minutesAgo(3) })]);
    const rows = await screen.findAllByTestId('interview-row');
    expect(rows.map((r) => r.dataset['name'])).toEqual(['Liu Yang', 'Emma Clark']);
    const [first, second] = rows;
    for (const part of ['Liu Yang', '310101********123X', '139****5678', 'Great Wall Virtual Debit', 'Waiting 42 min · SLA 30 min', 'Late', 'Queued', 'Not claimed']) {
      expect(first!.textContent).toContain(part);
    }
    expect(first!.dataset['late']).toBe('true');
    expect(second!.dataset['late']).toBe('false');
    expect(within(second!).queryByTestId('interview-late')).toBeNull();
    expect(second!.textContent).toContain('Under review');
    expect(second!.textContent).toContain('Reviewer: agent.wang');
    // The keyboard starts on the oldest.
    await waitFor(() => expect(document.activeElement).toBe(first));
    expect(screen.getByTestId('nav-interviews').getAttribute('aria-current')).toBe('page');
  });

  it('says when the queue is empty, and when it cannot be read, with a retry', async () => {
    const { mock } = await onInterviews([]);
    expect((await screen.findByTestId('interview-queue-empty')).textContent).toContain('No interviews waiting.');
    cleanup();
    const failing = await onInterviews([], { interviews: new Failure('unavailable') });
    expect((await screen.findByTestId('interview-queue-error')).textContent).toContain('The desk cannot be reached');
    failing.mock.answers['interviews'] = [emma];
    await failing.user.click(screen.getByRole('button', { name: 'Try again' }));
    expect((await screen.findByTestId('interview-row')).dataset['name']).toBe('Emma Clark');
    expect(mock.named('interviews').length).toBeGreaterThan(0);
  });

  it('follows application events and resync without a refresh', async () => {
    const { state, mock } = await onInterviews([liu]);
    await screen.findByTestId('interview-row');
    state.queue = [liu, emma];
    await shellEvent('desk-event', { kind: 'application', application_id: 2, state: 'routed', step: 'queued' });
    await waitFor(() => expect(screen.getAllByTestId('interview-row')).toHaveLength(2));
    state.queue = [emma];
    const reads = mock.named('interviews').length;
    await shellEvent('desk-event', { kind: 'resync' });
    await waitFor(() => expect(screen.getAllByTestId('interview-row')).toHaveLength(1));
    expect(mock.named('interviews').length).toBe(reads + 1);
  });

  it('goes back to the calls with Alt+D', async () => {
    const { user } = await onInterviews();
    await screen.findAllByTestId('interview-row');
    await user.keyboard('{Alt>}d{/Alt}');
    expect(await screen.findByTestId('search-input')).toBeTruthy();
  });
});

describe('claiming and reviewing', () => {
  it('claims with Alt+C and shows the ID front, back and selfie side by side and the video, from the upload bytes', async () => {
    const { user, mock } = await onInterviews();
    await screen.findAllByTestId('interview-row');
    await user.keyboard('{Alt>}c{/Alt}');
    const review = await screen.findByTestId('interview-review');
    expect(mock.named('claim_interview')[0]?.args).toEqual({ applicationId: 1 });
    await waitFor(() => expect(document.activeElement?.id).toBe('review-title'));
    const front = (await within(review).findByTestId('media-photo-id_front')) as HTMLImageElement;
    expect(front.getAttribute('src')).toMatch(/^blob:test\/\d+-image\/jpeg$/);
    expect(front.alt).toBe('ID card, front uploaded by Liu Yang');
    expect(within(review).getByTestId('media-photo-id_back').getAttribute('src')).toMatch(/image\/png$/);
    expect(within(review).getByTestId('media-photo-selfie').getAttribute('src')).toMatch(/image\/jpeg$/);
    const video = within(review).getByTestId('media-video') as HTMLVideoElement;
    expect(video.tagName).toBe('VIDEO');
    expect(video.controls).toBe(true);
    expect(video.getAttribute('src')).toMatch(/video\/webm$/);
    expect(mock.named('interview_media').map((c) => c.args)).toEqual([
      { applicationId: 1, kind: 'id_front' },
      { applicationId: 1, kind: 'id_back' },
      { applicationId: 1, kind: 'selfie' },
      { applicationId: 1, kind: 'video' },
    ]);
    expect(screen.getAllByTestId('interview-row')[0]!.textContent).toContain('Reviewer: you');
  });

  it('shows the face model’s advice on the ID front and the selfie, as advice', async () => {
    const { user } = await onInterviews();
    await screen.findAllByTestId('interview-row');
    await user.keyboard('{Alt>}c{/Alt}');
    const advice = await screen.findByTestId('face-advice');
    await waitFor(() => expect(advice.dataset['status']).toBe('ready'));
    expect(within(advice).getByTestId('face-advice-result').textContent).toContain('Looks like the same person');
    expect(advice.textContent).toContain('Distance 0.31 (the model’s line for the same person: 0.60)');
    expect(within(advice).getByTestId('face-advice-faces').textContent).toContain('2 faces in the selfie');
    expect(advice.textContent).toContain('It advises; your checklist decides.');
    expect(fakeAdvisor.asked.at(-1)).toEqual({ idFront: 'image/jpeg', selfie: 'image/jpeg' });
  });

  it('passes with every item ticked (Alt+1, Ctrl+Enter) and says the card is issued and the applicant told', async () => {
    const { user, mock } = await onInterviews([liu, emma], { decide_interview: issued });
    await screen.findAllByTestId('interview-row');
    await user.click(screen.getByTestId('interview-claim'));
    await screen.findByTestId('interview-review');
    for (const item of ITEMS) await user.click(screen.getByTestId(`checklist-${item}`));
    await user.keyboard('{Alt>}1{/Alt}');
    expect((screen.getByTestId('verdict-pass') as HTMLInputElement).checked).toBe(true);
    expect(document.activeElement).toBe(screen.getByTestId('verdict-pass'));
    expect(screen.queryByTestId('override-warning')).toBeNull();
    await user.keyboard('{Control>}{Enter}{/Control}');
    const answer = await screen.findByTestId('verdict-answer');
    expect(mock.named('decide_interview')[0]?.args).toEqual({
      applicationId: 1,
      request: { verdict: 'pass', checklist: [...ITEMS], reasons: [] },
    });
    expect(answer.dataset['outcome']).toBe('issued');
    expect(answer.textContent).toContain('Card issued.');
    expect(answer.textContent).toContain('via video interview, decided by you');
    expect(answer.textContent).toContain('expires 05/27');
    expect(answer.textContent).toContain('told by text message');
    await waitFor(() => expect(document.activeElement).toBe(answer));
    // On to the next: the review closes and its URLs are revoked.
    const made = [...fakeUrls.made.slice(-4)];
    await user.keyboard('{Alt>}n{/Alt}');
    await waitFor(() => expect(screen.queryByTestId('interview-review')).toBeNull());
    for (const url of made) expect(fakeUrls.revoked).toContain(url);
    await waitFor(() => expect(document.activeElement?.getAttribute('data-name')).toBe('Emma Clark'));
  });

  it('warns that a pass with an item unticked needs a supervisor’s approval', async () => {
    const { user } = await onInterviews([liu], {
      decide_interview: { state: 'routed', step: 'awaiting_override', card: null },
    });
    await screen.findAllByTestId('interview-row');
    await user.click(screen.getByTestId('interview-claim'));
    await user.click(await screen.findByTestId('checklist-face_matches_id'));
    await user.click(screen.getByTestId('verdict-pass'));
    expect(screen.getByTestId('override-warning').textContent).toContain('a supervisor must approve this override');
    await user.click(screen.getByTestId('verdict-submit'));
    expect((await screen.findByTestId('verdict-answer')).dataset['outcome']).toBe('awaiting_override');
  });

  it('needs a reason to fail, then says the application is rejected and the applicant told why', async () => {
    const { user, mock } = await onInterviews([emma], { decide_interview: rejected });
    await screen.findAllByTestId('interview-row');
    await user.click(screen.getByTestId('interview-claim'));
    await screen.findByTestId('interview-review');
    await user.keyboard('{Alt>}2{/Alt}');
    await user.click(screen.getByTestId('verdict-submit'));
    expect(screen.getByTestId('verdict-problem').textContent).toBe('Choose at least one reason for a fail or a retry.');
    expect(mock.named('decide_interview')).toHaveLength(0);
    const reasons = screen.getByTestId('verdict-reasons');
    expect(within(reasons).getAllByRole('checkbox')).toHaveLength(7);
    await user.click(screen.getByTestId('reason-someone_else_present'));
    await user.click(screen.getByTestId('verdict-submit'));
    const answer = await screen.findByTestId('verdict-answer');
    expect(mock.named('decide_interview')[0]?.args).toEqual({
      applicationId: 2,
      request: { verdict: 'fail', checklist: [], reasons: ['someone_else_present'] },
    });
    expect(answer.textContent).toContain('Application rejected.');
    expect(answer.textContent).toContain('The applicant is told by text message, with the reasons.');
  });

  it('shows the desk’s refusal, and says so when the interview left the reviewer’s hands', async () => {
    const { user, state } = await onInterviews([liu], { decide_interview: new Failure('forbidden', 'not the reviewer') });
    await screen.findAllByTestId('interview-row');
    await user.click(screen.getByTestId('interview-claim'));
    await screen.findByTestId('interview-review');
    await user.click(screen.getByTestId('verdict-retry'));
    await user.click(screen.getByTestId('reason-photo_unreadable'));
    await user.click(screen.getByTestId('verdict-submit'));
    expect((await screen.findByTestId('verdict-error')).textContent).toContain('Only the interview’s reviewer may do this');
    state.queue = [{ ...liu, step: 'claimed', reviewer: 'agent:agent.wang' }];
    await shellEvent('desk-event', { kind: 'application', application_id: 1, state: 'routed', step: 'claimed' });
    expect((await screen.findByTestId('review-gone')).textContent).toContain('no longer yours to decide');
    expect((screen.getByTestId('verdict-submit') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('supervisors', () => {
  it('approve an override (never their own: the desk’s maker-checker refusal is shown)', async () => {
    const waiting = { ...liu, step: 'awaiting_override' as const, reviewer: 'agent:alice' };
    const { user, mock } = await onInterviews([waiting], { approve_override: issued }, sam);
    await screen.findAllByTestId('interview-row');
    await user.click(screen.getByTestId('interview-approve-override'));
    expect((await screen.findByTestId('verdict-answer')).dataset['outcome']).toBe('issued');
    expect(mock.named('approve_override')[0]?.args).toEqual({ applicationId: 1 });
    cleanup();
    const own = await onInterviews([{ ...waiting, reviewer: 'supervisor:sam' }], { approve_override: new Failure('maker_checker') }, sam);
    await screen.findAllByTestId('interview-row');
    await own.user.click(screen.getByTestId('interview-approve-override'));
    expect((await screen.findByTestId('interview-action-error')).textContent).toContain('another supervisor must');
  });

  it('deciding an override see the uploads and the face advice the reviewer saw; agents never fetch them', async () => {
    const waiting = { ...liu, step: 'awaiting_override' as const, reviewer: 'agent:alice' };
    const { mock } = await onInterviews([waiting], {}, sam);
    const uploads = await screen.findByTestId('override-uploads');
    expect(((await within(uploads).findByTestId('media-photo-id_front')) as HTMLImageElement).alt).toBe('ID card, front uploaded by Liu Yang');
    expect(within(uploads).getByTestId('media-photo-selfie')).toBeTruthy();
    expect(await screen.findByTestId('media-video')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('face-advice').dataset['status']).toBe('ready'));
    expect(mock.named('interview_media').map((c) => c.args['kind'])).toEqual(['id_front', 'id_back', 'selfie', 'video']);
    cleanup();
    const agent = await onInterviews([waiting]);
    await screen.findAllByTestId('interview-row');
    expect(screen.queryByTestId('override-uploads')).toBeNull();
    expect(agent.mock.named('interview_media')).toEqual([]);
  });

  it('decline an override with the reason the applicant is told, seeing what the reviewer did not confirm', async () => {
    const waiting = {
      ...liu,
      step: 'awaiting_override' as const,
      reviewer: 'agent:alice',
      ticked: ['face_matches_id', 'document_genuine', 'consent_given', 'questions_answered'] as const,
    };
    const declined = { state: 'rejected', step: 'awaiting_override', card: null };
    const { user, mock } = await onInterviews([waiting], { decline_override: declined }, sam);
    await screen.findAllByTestId('interview-row');
    const unticked = screen.getByTestId('interview-detail').querySelectorAll('.unticked li');
    expect([...unticked].map((li) => li.textContent)).toEqual(['The applicant is live, not a photo or a replay']);
    await user.selectOptions(screen.getByTestId('interview-decline-reason'), 'not_live');
    await user.click(screen.getByTestId('interview-decline-override'));
    expect((await screen.findByTestId('verdict-answer')).dataset['outcome']).toBe('rejected');
    expect(mock.named('decline_override')[0]?.args).toEqual({ applicationId: 1, request: { reasons: ['not_live'] } });
  });

  it('reassign a claimed interview by username in a dialog', async () => {
    const claimed = { ...liu, step: 'claimed' as const, reviewer: 'agent:alice' };
    const { user, mock, state } = await onInterviews([claimed], {}, sam);
    mock.answers['reassign_interview'] = () => {
      state.queue = [{ ...claimed, reviewer: 'agent:agent.wang' }];
      return state.queue[0];
    };
    await screen.findAllByTestId('interview-row');
    expect(screen.queryByTestId('interview-claim')).toBeNull();
    await user.click(screen.getByTestId('interview-reassign'));
    await user.click(await screen.findByTestId('reassign-confirm'));
    expect(screen.getByRole('alert').textContent).toBe('Enter a username.');
    await user.type(screen.getByTestId('reassign-username'), 'agent.wang');
    await user.click(screen.getByTestId('reassign-confirm'));
    await waitFor(() => expect(screen.queryByTestId('reassign-dialog')).toBeNull());
    expect(mock.named('reassign_interview')[0]?.args).toEqual({ applicationId: 1, request: { username: 'agent.wang' } });
    expect(screen.getByTestId('interview-row').textContent).toContain('Reviewer: agent.wang');
  });

  it('are the only ones offered these actions', async () => {
    await onInterviews([{ ...liu, step: 'awaiting_override', reviewer: 'agent:agent.wang' }, { ...emma, step: 'claimed', reviewer: 'agent:agent.wang' }]);
    await screen.findAllByTestId('interview-row');
    expect(screen.getByTestId('interview-awaiting-override').textContent).toContain('a supervisor must approve');
    expect(screen.queryByTestId('interview-approve-override')).toBeNull();
    expect(screen.queryByTestId('interview-claim')).toBeNull();
  });
});
