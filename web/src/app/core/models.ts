// The gateway's wire shapes (camelCase), as in libs/shared/src/uts_shared/contracts/.

export type TicketStatus =
  | 'new'
  | 'open'
  | 'in_progress'
  | 'pending_customer'
  | 'waiting_internal'
  | 'resolved'
  | 'closed';

export type Priority = 'low' | 'medium' | 'high' | 'urgent';
export type Language = 'es' | 'en';
export type Role = 'admin' | 'agent';

export interface StatusChange {
  from: TicketStatus;
  to: TicketStatus;
  changedBy: string | null;
  reason: string | null;
  timestamp: string;
}

export interface Note {
  id: string;
  agentId: string;
  content: string;
  isInternal: boolean;
  timestamp: string;
}

/** `ok` → a clock passed its warning share (`warning`) → its target (`breached`, for good);
 * `met`: resolved within target. */
export type SlaState = 'ok' | 'warning' | 'breached' | 'met';
export type SlaClock = 'first_response' | 'resolution';

/** A ticket's SLA clock: targets and counted time in business milliseconds (the policy's
 * calendar), when each target falls due, and what happened. */
export interface Sla {
  firstResponseTarget: number;
  resolutionTarget: number;
  firstResponseAt: string | null;
  firstResponseMet: boolean | null;
  resolutionMet: boolean | null;
  /** Business time counted up to `runningSince` (or until the clock paused or stopped). */
  elapsedMs: number;
  runningSince: string | null;
  pausedSince: string | null;
  /** When the target falls due if the clock keeps running; null while paused or stopped. */
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  nextCheckAt: string | null;
  firstResponseWarnedAt: string | null;
  firstResponseBreachedAt: string | null;
  resolutionWarnedAt: string | null;
  resolutionBreachedAt: string | null;
  state: SlaState;
  /** Business time left to the next target not met (negative: overdue); single-ticket reads
   * only (null in lists and once both clocks stopped). */
  remainingMs: number | null;
  paused: boolean;
}

/** `ticket_sla_warning` / `ticket_sla_breached` (Socket.IO): a clock passed its warning share
 * or its target. */
export interface SlaAlarm {
  ticketId: string;
  clock: SlaClock;
  dueAt: string | null;
  targetMs: number;
  elapsedMs: number;
  priority: Priority;
  customerId: string;
  assignedAgent: string | null;
  version: number;
  eventId: string;
  occurredAt: string;
}

export interface TicketSummary {
  ticketId: string;
  subject: string;
  description: string;
  category: string;
  subcategory: string | null;
  priority: Priority;
  status: TicketStatus;
  statusHistory: StatusChange[];
  customerId: string;
  conversationId: string | null;
  assignedAgent: string | null;
  assignedAt: string | null;
  sla: Sla;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolutionNotes: string | null;
  customerFeedback: { rating: number; comment: string | null } | null;
  tags: string[];
  isEscalated: boolean;
  escalatedTo: string | null;
  escalationReason: string | null;
  escalatedAt: string | null;
  source: string;
  closedAt: string | null;
  closeReason?: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** The statuses the tickets service accepts next (its transition graph). */
  allowedNextStatuses?: TicketStatus[];
}

export interface Ticket extends TicketSummary {
  notes: Note[];
}

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  pages: number;
}

export interface TicketPage {
  tickets: TicketSummary[];
  pagination: Pagination;
}

export interface TicketStats {
  total: number;
  new: number;
  open: number;
  inProgress: number;
  pendingCustomer: number;
  waitingInternal: number;
  resolved: number;
  closed: number;
  low: number;
  medium: number;
  high: number;
  urgent: number;
  escalated: number;
  /** Tickets whose SLA is in warning / breached now. */
  slaWarning: number;
  slaBreached: number;
  slaByPriority?: Partial<Record<Priority, SlaAttainment>>;
}

/** Of a priority's tickets with a decided SLA: met, breached, met / (met + breached). */
export interface SlaAttainment {
  met: number;
  breached: number;
  attainment: number | null;
}

export interface Customer {
  id: string;
  phoneNumber: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  statistics: { totalTickets: number };
  createdAt: string;
  updatedAt: string;
}

export interface Conversation {
  id: string;
  customerId: string;
  channel: string;
  status: 'open' | 'assigned' | 'closed';
  assignedAgent: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Category {
  id: string;
  label: string;
  labelEn?: string | null;
  icon?: string | null;
  color?: string | null;
  description?: string | null;
  /** The assistant's category for reports that fit no other (exactly one carries it). */
  isFallback?: boolean;
}

export interface Terminology {
  ticketSingular: string;
  ticketPlural: string;
  createVerb: string;
  customerNoun: string;
  agentNoun: string;
  resolveVerb: string;
}

export interface TicketIdFormat {
  prefix: string;
  includeYear: boolean;
  padLength: number;
  separator: '-' | '_' | '.' | '';
}

/** `GET /config/console`: what every agent's screens are labelled with. */
export interface ConsoleConfig {
  ticketCategories: Category[];
  terminology: Terminology;
  ticketIdFormat: TicketIdFormat;
  language: Language;
  companyName: string;
}

export interface AssistantConfig {
  assistantName: string;
  companyName: string;
  ticketNoun: string;
  ticketNounPlural: string;
  primaryServiceIssue: string;
  serviceType: string;
  greetingMessage: string | null;
  language: Language;
}

export interface Preset {
  id: string;
  name: string;
  description: string;
  builtin: boolean;
  ticketCategories: Category[];
  assistantConfiguration: AssistantConfig;
  ticketTerminology: Terminology;
  ticketIdFormat: TicketIdFormat;
}

/** One priority's SLA targets, in milliseconds of business time. */
export interface SlaTarget {
  firstResponseMs: number;
  resolutionMs: number;
}

/** When the SLA clocks run: ISO weekdays (1 = Monday), `HH:MM` hours in an IANA time zone,
 * minus holidays (local `YYYY-MM-DD` dates). */
export interface BusinessCalendar {
  timeZone: string;
  workingDays: number[];
  workingHours: { start: string; end: string };
  holidays: string[];
}

export interface SlaOnBreach {
  escalate: boolean;
  toAgentId?: string | null;
  raisePriority: boolean;
}

/** `GET/PUT /config/sla` (the `sla_policy` setting). */
export interface SlaPolicy {
  targets: Record<Priority, SlaTarget>;
  calendar: BusinessCalendar | '24x7';
  pauseStatuses: TicketStatus[];
  warningAt: number;
  onBreach: SlaOnBreach;
}

export interface ChangeRecord {
  key: string;
  oldValue: unknown;
  newValue: unknown;
  changedBy: string | null;
  changedAt: string;
  action: string;
}

export interface RenderedAssistant {
  instructions: string;
  tools: Record<string, unknown>[];
  unknownVariables: string[];
}

/** The signed-in agent (`/auth/login`, `/auth/me`). */
export interface AgentProfile {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  active: boolean;
  createdAt: string;
}

/** An entry of `GET /agents` (email only for admins). */
export interface DirectoryEntry {
  id: string;
  firstName: string;
  lastName: string;
  role: Role;
  active: boolean;
  email?: string;
}
