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

// The tickets service's transition graph (services/tickets/.../domain/lifecycle.py), to offer
// only the moves it accepts. Ticket views don't carry their allowed next states yet; a 409
// answer's `allowed` list corrects this copy for that ticket if the two ever differ.
const TRANSITIONS: Record<TicketStatus, TicketStatus[]> = {
  new: ['open'],
  open: ['in_progress'],
  in_progress: ['pending_customer', 'waiting_internal', 'resolved'],
  pending_customer: ['in_progress'],
  waiting_internal: ['in_progress'],
  resolved: ['closed', 'open'],
  closed: [],
};

export function allowedNext(status: TicketStatus): TicketStatus[] {
  return TRANSITIONS[status];
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
