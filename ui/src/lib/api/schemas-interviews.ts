/** Guards for the video-interview queue's wire types (see `wire-interviews.ts`). */
import { arrayOf, bool, int, nullable, oneOf, shape, str } from './guards';
import {
  APPLICATION_STATES,
  AUTH_ROUTES,
  CHECKLIST_ITEMS,
  CONTAINERS,
  INTERVIEW_STEPS,
  UPLOAD_KINDS,
  type Interview,
  type Upload,
  type VerdictAnswer,
  type VirtualCard,
} from './wire-interviews';

const isUpload = shape<Upload>({
  kind: oneOf(UPLOAD_KINDS),
  container: oneOf(CONTAINERS),
  bytes: int,
  width: nullable(int),
  height: nullable(int),
  duration_ms: nullable(int),
});

export const isInterview = shape<Interview>({
  application_id: int,
  step: oneOf(INTERVIEW_STEPS),
  queued_since: nullable(str),
  late: bool,
  reviewer: nullable(str),
  name: str,
  document_masked: str,
  phone_masked: str,
  product: str,
  uploads: arrayOf(isUpload),
  ticked: arrayOf(oneOf(CHECKLIST_ITEMS)),
});

export const isVirtualCard = shape<VirtualCard>({
  card_id: int,
  application_id: int,
  route: oneOf(AUTH_ROUTES),
  decided_by: str,
  issued_at: str,
  expiry_month: int,
  expiry_year: int,
});

export const isVerdictAnswer = shape<VerdictAnswer>({
  state: oneOf(APPLICATION_STATES),
  step: oneOf(INTERVIEW_STEPS),
  card: nullable(isVirtualCard),
});
