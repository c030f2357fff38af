/** Guards for every wire type an answer carries (see `wire.ts`). */
import {
  arrayOf,
  bool,
  int,
  nul,
  nullable,
  oneOf,
  shape,
  str,
  type Guard,
} from './guards';
import {
  CARD_STATUSES,
  CASE_STATES,
  CREDENTIALS,
  DESK_MODES,
  FREEZE_REASONS,
  MATCH_KINDS,
  OUTCOMES,
  ROLES,
  type AuditEntry,
  type Card,
  type Case,
  type Chain,
  type ConsoleSettings,
  type Customer,
  type CustomerView,
  type DemoStaff,
  type DeskEvent,
  type DeskInfo,
  type InstructionPreview,
  type Page,
  type RemoteUnfreeze,
  type SearchHit,
  type SearchResults,
  type StaffProfile,
  type Transition,
} from './wire';
import { APPLICATION_STATES, INTERVIEW_STEPS } from './wire-interviews';
import { isVirtualCard } from './schemas-interviews';

export { isInterview, isVerdictAnswer, isVirtualCard } from './schemas-interviews';

export const isDeskInfo = shape<DeskInfo>({
  mode: oneOf(DESK_MODES),
  version: str,
  server_url: nullable(str),
  demo: bool,
  demo_hint: nullable(str),
});

export const isSettings = shape<ConsoleSettings>({
  mode: oneOf(DESK_MODES),
  server_url: nullable(str),
  ca_certificate: nullable(str),
});

export const isDemoStaff = shape<DemoStaff>({ username: str, display_name: str, role: oneOf(ROLES) });

export const isProfile = shape<StaffProfile>({
  username: str,
  display_name: str,
  role: oneOf(ROLES),
  expires_at: str,
});

const isRemote = shape<RemoteUnfreeze>({
  allowed: bool,
  credentials: arrayOf(oneOf(CREDENTIALS)),
  supervisor_approval: bool,
});

export const isCard = shape<Card>({
  id: int,
  masked_number: str,
  product: str,
  status: oneOf(CARD_STATUSES),
  freeze_reason: nullable(oneOf(FREEZE_REASONS)),
  frozen_since: nullable(str),
  remote_unfreeze: nullable(isRemote),
});

const isCustomer = shape<Customer>({
  id: int,
  name: str,
  document_kind: str,
  document_masked: str,
  phone_masked: str,
  language: str,
  cards: arrayOf(isCard),
});

export const isCase = shape<Case>({
  id: int,
  card_id: int,
  customer_id: int,
  reason: oneOf(FREEZE_REASONS),
  state: oneOf(CASE_STATES),
  failed_attempts: int,
  attempts_left: int,
  needs_approval: bool,
  credentials: arrayOf(oneOf(CREDENTIALS)),
  opened_by: str,
  assigned_to: str,
  opened_at: str,
  updated_at: str,
  expires_at: nullable(str),
});

export const isCustomerView = shape<CustomerView>({
  customer: isCustomer,
  open_cases: arrayOf(isCase),
  virtual_cards: arrayOf(isVirtualCard),
});

export const isTransition = shape<Transition>({
  from: oneOf(CARD_STATUSES),
  to: oneOf(CARD_STATUSES),
  reason: nullable(oneOf(FREEZE_REASONS)),
  channel: str,
  actor: str,
  at: str,
});

const isHit = shape<SearchHit>({
  matched_by: oneOf(MATCH_KINDS),
  customer: isCustomer,
  open_cases: arrayOf(isCase),
});

export const isSearchResults = shape<SearchResults>({ hits: arrayOf(isHit), truncated: bool });

export const isPreview = shape<InstructionPreview>({
  language: str,
  text: str,
  voice: str,
  credentials: arrayOf(oneOf(CREDENTIALS)),
  lifetime_minutes: int,
});

export const isAuditEntry = shape<AuditEntry>({
  seq: int,
  at: str,
  actor: str,
  action: str,
  object: str,
  origin: str,
  outcome: oneOf(OUTCOMES),
  detail: str,
});

export const isChain = shape<Chain>({ intact: bool, entries: nullable(int), broken_at: nullable(int) });

export function isPage<T>(item: Guard<T>): Guard<Page<T>> {
  return shape<Page<T>>({ items: arrayOf(item), next: nullable(int) });
}

export const isNull = nul;

/** A `DeskEvent`, by its `kind`. */
export const isDeskEvent: Guard<DeskEvent> = (value): value is DeskEvent => {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  switch (event['kind']) {
    case 'case':
      return int(event['case_id']) && oneOf(CASE_STATES)(event['state']);
    case 'attempt':
      return int(event['case_id']) && int(event['remaining']);
    case 'card':
      return int(event['card_id']) && oneOf(CARD_STATUSES)(event['status']);
    case 'instruction':
      return int(event['case_id']) && int(event['outbox_id']);
    case 'application':
      return (
        int(event['application_id']) &&
        oneOf(APPLICATION_STATES)(event['state']) &&
        oneOf(INTERVIEW_STEPS)(event['step'])
      );
    case 'resync':
      return true;
    default:
      return false;
  }
};
