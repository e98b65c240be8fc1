import { Priority, TicketStatus } from '../core/models';

export const STATUSES: TicketStatus[] = [
  'new',
  'open',
  'in_progress',
  'pending_customer',
  'waiting_internal',
  'resolved',
  'closed',
];

export const PRIORITIES: Priority[] = ['urgent', 'high', 'medium', 'low'];

// The tickets service's transition graph (services/tickets/.../domain/lifecycle.py), for a
// ticket answered without its `allowedNextStatuses`; a 409 answer's `allowed` list corrects it.
const TRANSITIONS: Record<TicketStatus, TicketStatus[]> = {
  new: ['open', 'resolved', 'closed'],
  open: ['in_progress', 'resolved', 'closed'],
  in_progress: ['pending_customer', 'waiting_internal', 'resolved', 'closed'],
  pending_customer: ['in_progress', 'resolved', 'closed'],
  waiting_internal: ['in_progress', 'resolved', 'closed'],
  resolved: ['closed', 'open'],
  closed: [],
};

export function allowedNext(status: TicketStatus): TicketStatus[] {
  return TRANSITIONS[status];
}

/** What the ticket itself says it may move to (the server's graph), else the copy above. */
export function nextStatuses(ticket: { status: TicketStatus; allowedNextStatuses?: TicketStatus[] }): TicketStatus[] {
  return ticket.allowedNextStatuses ?? allowedNext(ticket.status);
}

/** The plain status buttons: resolving has its own form (notes), and closing a ticket nobody
 * resolved has its own (a reason, see `closesWithReason`). */
export function plainMoves(current: TicketStatus, allowed: TicketStatus[]): TicketStatus[] {
  return allowed.filter((s) => s !== 'resolved' && (s !== 'closed' || current === 'resolved'));
}

/** Closing is allowed but needs a reason: the ticket was not resolved first. */
export function closesWithReason(current: TicketStatus, allowed: TicketStatus[]): boolean {
  return allowed.includes('closed') && current !== 'resolved';
}

/** Resolving needs notes, so it has its own form instead of a plain status button. */
export function canResolve(status: TicketStatus): boolean {
  return allowedNext(status).includes('resolved');
}

/** Customers rate a ticket once it is resolved or closed. */
export function acceptsFeedback(status: TicketStatus): boolean {
  return status === 'resolved' || status === 'closed';
}

/** Statuses still being worked on (used for counts). */
export function isOpen(status: TicketStatus): boolean {
  return status !== 'resolved' && status !== 'closed';
}

/** `TicketStats` keys are camelCase (`in_progress` → `inProgress`). */
export function statsKey(value: string): string {
  return value.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase());
}
