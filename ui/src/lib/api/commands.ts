/**
 * The main window's commands (docs/ipc.md), each typed and returning a
 * `Result`. Argument names are the camelCase ones Tauri maps to the Rust
 * parameters.
 */
import { arrayOf, bytes, toUint8Array } from './guards';
import { call, type Result } from './ipc';
import {
  isAuditEntry,
  isCase,
  isChain,
  isCustomerView,
  isDemoStaff,
  isDeskInfo,
  isInterview,
  isNull,
  isPage,
  isPreview,
  isProfile,
  isSearchResults,
  isSettings,
  isTransition,
  isVerdictAnswer,
} from './schemas';
import type {
  AuditEntry,
  AuditQuery,
  Case,
  Chain,
  Channels,
  ConsoleSettings,
  CustomerView,
  DemoStaff,
  DeskInfo,
  InstructionPreview,
  Interview,
  Page,
  QueueQuery,
  SearchRequest,
  SearchResults,
  StaffProfile,
  Transition,
  UploadKind,
  VerdictAnswer,
  VerdictReason,
  VerdictRequest,
} from './wire';

/** Raw bytes, whatever form IPC delivered them in. */
async function raw(command: string, args: Record<string, unknown>): Promise<Result<Uint8Array<ArrayBuffer>>> {
  const answer = await call(command, args, bytes);
  return answer.ok ? { ok: true, value: toUint8Array(answer.value) } : answer;
}

/** A voice prompt's bytes (a WAV file). */
function audio(command: string, messageId: number): Promise<Result<Uint8Array<ArrayBuffer>>> {
  return raw(command, { messageId });
}

/** The console's desk commands. */
export const desk = {
  deskInfo: (): Promise<Result<DeskInfo>> => call('desk_info', undefined, isDeskInfo),
  settingsGet: (): Promise<Result<ConsoleSettings>> => call('settings_get', undefined, isSettings),
  settingsSave: (settings: ConsoleSettings): Promise<Result<DeskInfo>> =>
    call('settings_save', { settings }, isDeskInfo),
  demoStaff: (): Promise<Result<readonly DemoStaff[]>> => call('demo_staff', undefined, arrayOf(isDemoStaff)),
  signIn: (username: string, password: string): Promise<Result<StaffProfile>> =>
    call('sign_in', { request: { username, password } }, isProfile),
  signInDemo: (username: string): Promise<Result<StaffProfile>> => call('sign_in_demo', { username }, isProfile),
  signOut: (): Promise<Result<null>> => call('sign_out', undefined, isNull),
  me: (): Promise<Result<StaffProfile>> => call('me', undefined, isProfile),
  search: (request: SearchRequest): Promise<Result<SearchResults>> =>
    call('search', { request }, isSearchResults),
  customer: (customerId: number): Promise<Result<CustomerView>> =>
    call('customer', { customerId }, isCustomerView),
  cardHistory: (cardId: number): Promise<Result<readonly Transition[]>> =>
    call('card_history', { cardId }, arrayOf(isTransition)),
  preview: (cardId: number): Promise<Result<InstructionPreview>> => call('preview', { cardId }, isPreview),
  mark: (cardId: number): Promise<Result<Case>> => call('mark', { cardId }, isCase),
  package: (caseId: number): Promise<Result<Case>> => call('package', { caseId }, isCase),
  instruct: (caseId: number, request: Channels): Promise<Result<Case>> =>
    call('instruct', { caseId, request: { text: request.text, voice: request.voice } }, isCase),
  sendUnfreeze: (cardId: number, request: Channels): Promise<Result<Case>> =>
    call('send_unfreeze', { cardId, request: { text: request.text, voice: request.voice } }, isCase),
  resend: (caseId: number, request: Channels): Promise<Result<Case>> =>
    call('resend', { caseId, request: { text: request.text, voice: request.voice } }, isCase),
  cancel: (caseId: number, reason: string): Promise<Result<Case>> =>
    call('cancel', { caseId, request: { reason } }, isCase),
  getCase: (caseId: number): Promise<Result<Case>> => call('get_case', { caseId }, isCase),
  timeline: (caseId: number): Promise<Result<readonly AuditEntry[]>> =>
    call('timeline', { caseId }, arrayOf(isAuditEntry)),
  queue: (query: QueueQuery): Promise<Result<Page<Case>>> => call('queue', { query }, isPage(isCase)),
  approve: (caseId: number): Promise<Result<Case>> => call('approve', { caseId }, isCase),
  reject: (caseId: number, reason: string): Promise<Result<Case>> =>
    call('reject', { caseId, request: { reason } }, isCase),
  reassign: (caseId: number, username: string): Promise<Result<Case>> =>
    call('reassign', { caseId, request: { username } }, isCase),
  audit: (query: AuditQuery): Promise<Result<Page<AuditEntry>>> => call('audit', { query }, isPage(isAuditEntry)),
  verifyAudit: (): Promise<Result<Chain>> => call('verify_audit', undefined, isChain),
  voiceAudio: (messageId: number): Promise<Result<Uint8Array<ArrayBuffer>>> => audio('voice_audio', messageId),
  interviews: (): Promise<Result<readonly Interview[]>> => call('interviews', undefined, arrayOf(isInterview)),
  claimInterview: (applicationId: number): Promise<Result<Interview>> =>
    call('claim_interview', { applicationId }, isInterview),
  reassignInterview: (applicationId: number, username: string): Promise<Result<Interview>> =>
    call('reassign_interview', { applicationId, request: { username } }, isInterview),
  decideInterview: (applicationId: number, request: VerdictRequest): Promise<Result<VerdictAnswer>> =>
    call(
      'decide_interview',
      { applicationId, request: { verdict: request.verdict, checklist: [...request.checklist], reasons: [...request.reasons] } },
      isVerdictAnswer,
    ),
  approveOverride: (applicationId: number): Promise<Result<VerdictAnswer>> =>
    call('approve_override', { applicationId }, isVerdictAnswer),
  /** Declines a pass given with an item unticked; the applicant is told the reasons. */
  declineOverride: (applicationId: number, reasons: readonly VerdictReason[]): Promise<Result<VerdictAnswer>> =>
    call('decline_override', { applicationId, request: { reasons } }, isVerdictAnswer),
  /** One upload's bytes (a photo or the video; its type is the upload's `container`). */
  interviewMedia: (applicationId: number, kind: UploadKind): Promise<Result<Uint8Array<ArrayBuffer>>> =>
    raw('interview_media', { applicationId, kind }),
} as const;

/** The shape of `desk`, for stand-ins. */
export type DeskApi = typeof desk;

export { audio as audioCommand };
