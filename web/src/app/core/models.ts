// The gateway's wire shapes (camelCase): aliases of the types generated from its OpenAPI
// document (`api.gen.ts`, `make api-types`), so they cannot drift from the contracts. Only what
// that document does not describe is written here: Socket.IO payloads and console-only types.

import { components } from './api.gen';

type Schemas = components['schemas'];

export type TicketStatus = Schemas['TicketStatus'];
export type Priority = Schemas['Priority'];
export type Language = Schemas['ConsoleConfig']['language'];
export type Role = Schemas['Role'];
export type TicketSource = Schemas['TicketSource'];

export type StatusChange = Schemas['StatusChange'];
export type Note = Schemas['Note'];
export type Attachment = Schemas['Attachment-Output'];
export type TicketLocation = Schemas['Location-Output'];
export type CustomerRef = Schemas['CustomerRef'];
export type CustomerFeedback = Schemas['CustomerFeedback'];

/** `ok` → a clock passed its warning share (`warning`) → its target (`breached`, for good);
 * `met`: resolved within target. */
export type SlaState = Schemas['SlaState'];
export type SlaClock = 'first_response' | 'resolution';

/** A ticket's SLA clock: targets and counted time in business milliseconds (the policy's
 * calendar), when each target falls due, and what happened. `remainingMs`: single-ticket reads
 * only (null in lists and once both clocks stopped). */
export type Sla = Schemas['Sla'];

/** `ticket_sla_warning` / `ticket_sla_breached` (Socket.IO, not in the OpenAPI document): a
 * clock passed its warning share or its target. */
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

/** A ticket in a list (no notes); `allowedNextStatuses` are the statuses the tickets service
 * accepts next (its transition graph). */
export type TicketSummary = Schemas['TicketSummary'];
export type Ticket = Schemas['TicketView'];

export type Pagination = Schemas['Pagination'];
export type TicketPage = Omit<Schemas['TicketsOut'], 'success'>;

/** The document types these as maps from any priority (it cannot say which keys appear). */
type ByPriority<T> = Partial<Record<Priority, T>>;

export type TicketStats = Omit<Schemas['TicketStats'], 'slaByPriority'> & {
  slaByPriority: ByPriority<SlaAttainment>;
};

/** Of a priority's tickets with a decided SLA: met, breached, met / (met + breached). */
export type SlaAttainment = Schemas['SlaAttainment'];

export type Customer = Schemas['Customer'];
export type Conversation = Schemas['Conversation'];
/** A conversation's message; an outbound one carries its delivery state. */
export type Message = Schemas['Message'];
export type Delivery = Message['delivery'];
export type Handler = Conversation['handledBy'];
/** `conversation_message_created` / `_updated` (Socket.IO): the message as stored. */
export interface MessageEvent {
  message: Message;
  customerId: string;
}
/** `conversation_handed_off` (Socket.IO). */
export interface HandedOffEvent {
  conversationId: string;
  customerId: string;
  handledBy: Handler;
  agentId: string | null;
}
export type MapTiles = Schemas['MapTiles-Output'];
export type AttachmentLimits = Schemas['AttachmentLimits-Output'];
export type UploadedAttachment = Omit<Schemas['AttachmentOut'], 'success'>;
export type Coordinates = Schemas['Coordinates'];

export type Category = Schemas['Category-Output'];
/** A category as `PUT /config/ticket-categories` takes it (what is left out keeps its default). */
export type CategoryInput = Schemas['Category-Input'];
export type Terminology = Schemas['Terminology'];
export type TicketIdFormat = Schemas['TicketIdFormat-Output'];

/** `GET /config/console`: what every agent's screens are labelled with. */
export type ConsoleConfig = Schemas['ConsoleConfig'];
export type AssistantConfig = Schemas['AssistantConfig-Output'];
export type Preset = Schemas['Preset'];

/** One priority's SLA targets, in milliseconds of business time. */
export type SlaTarget = Schemas['SlaTarget'];

/** When the SLA clocks run: ISO weekdays (1 = Monday), `HH:MM` hours in an IANA time zone,
 * minus holidays (local `YYYY-MM-DD` dates). */
export type BusinessCalendar = Schemas['BusinessCalendar-Output'];
export type SlaOnBreach = Schemas['SlaOnBreach-Output'];
/** An IANA time zone name the API knows (the document lists them). */
export type TimeZone = BusinessCalendar['timeZone'];

/** `GET/PUT /config/sla` (the `sla_policy` setting). The service answers a target for every
 * priority (priorities a change leaves out keep theirs). */
export type SlaPolicy = Omit<Schemas['SlaPolicy-Output'], 'targets'> & {
  targets: Record<Priority, SlaTarget>;
};

/** A status an SLA clock may pause in (never new, resolved or closed). */
export type PausableStatus = SlaPolicy['pauseStatuses'][number];

export type ChangeRecord = Schemas['ChangeRecord'];
export type RenderedAssistant = Omit<Schemas['RenderedOut'], 'success'>;

/** The signed-in agent (`/auth/login`, `/auth/me`). */
export type AgentProfile = Schemas['AgentProfile'];

/** An entry of `GET /agents` (email only for admins). */
export type DirectoryEntry = Schemas['DirectoryEntry'];
