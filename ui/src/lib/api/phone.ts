/**
 * The phone window's commands (docs/ipc.md, "Phone window"): the offline
 * demo's customer phone. Its types are the shell's own (not carddesk-wire).
 */
import { audioCommand } from './commands';
import { arrayOf, int, nul, nullable, oneOf, shape, str } from './guards';
import { call, type Result } from './ipc';
import { CREDENTIALS, type Credential } from './wire';

/** What the demo customer knows about themselves (demo data only). */
export interface PhoneCustomer {
  readonly name: string;
  readonly id_number: string;
  readonly transaction_password: string;
}

/** A text or voice prompt the demo phone received: an unfreeze case's
 * instruction, or a text to a virtual-card applicant. */
export interface PhoneMessage {
  readonly id: number;
  readonly case_id: number | null;
  readonly application_id: number | null;
  readonly channel: 'text' | 'voice';
  readonly language: string;
  readonly body: string;
  readonly code: string | null;
  readonly customer: PhoneCustomer | null;
}

/** The answer to opening a code. */
export interface PhoneOpened {
  readonly case_id: number;
  readonly card_last_four: string;
}

/** What the processor asks the customer. */
export interface PhoneChallenge {
  readonly case_id: number;
  readonly credentials: readonly Credential[];
  readonly document_kind: 'resident_id' | 'passport';
  readonly attempts_left: number;
  readonly card_last_four: string;
  readonly expires_at: string;
}

/** How a successful verification ended. */
export interface PhoneVerified {
  readonly outcome: 'unfrozen' | 'awaiting_approval';
}

const isMessage = shape<PhoneMessage>({
  id: int,
  case_id: nullable(int),
  application_id: nullable(int),
  channel: oneOf(['text', 'voice']),
  language: str,
  body: str,
  code: nullable(str),
  customer: nullable(shape<PhoneCustomer>({ name: str, id_number: str, transaction_password: str })),
});

const isOpened = shape<PhoneOpened>({ case_id: int, card_last_four: str });

const isChallenge = shape<PhoneChallenge>({
  case_id: int,
  credentials: arrayOf(oneOf(CREDENTIALS)),
  document_kind: oneOf(['resident_id', 'passport']),
  attempts_left: int,
  card_last_four: str,
  expires_at: str,
});

const isVerified = shape<PhoneVerified>({ outcome: oneOf(['unfrozen', 'awaiting_approval']) });

/** The demo phone's commands. */
export const phone = {
  inbox: (): Promise<Result<readonly PhoneMessage[]>> => call('phone_inbox', undefined, arrayOf(isMessage)),
  voiceAudio: (messageId: number): Promise<Result<Uint8Array<ArrayBuffer>>> =>
    audioCommand('phone_voice_audio', messageId),
  openCode: (code: string): Promise<Result<PhoneOpened>> => call('phone_open_code', { code }, isOpened),
  challenge: (): Promise<Result<PhoneChallenge>> => call('phone_challenge', undefined, isChallenge),
  verify: (idNumber: string, transactionPassword: string): Promise<Result<PhoneVerified>> =>
    call('phone_verify', { idNumber, transactionPassword }, isVerified),
  /** Opens a text's customer page (the pages the console serves on loopback) in a window of its own. */
  openPage: (messageId: number): Promise<Result<null>> => call('phone_open_page', { messageId }, nul),
  /** Opens the virtual-card application's pages in the customer page window. */
  openApply: (): Promise<Result<null>> => call('phone_open_apply', undefined, nul),
} as const;

/** The shape of `phone`, for stand-ins. */
export type PhoneApi = typeof phone;
