// One stream of what happened around a customer's problem: the conversation's messages, the
// ticket's notes, status changes and assignment, in time order (oldest first, the newest last
// beside the composer). Pure functions, so the merge and its live updates are tested alone.

import { Message, Note, StatusChange, Ticket } from '../core/models';

export type StreamItem =
  | { kind: 'message'; key: string; at: string; message: Message; note: Note | null }
  | { kind: 'note'; key: string; at: string; note: Note }
  | { kind: 'status'; key: string; at: string; change: StatusChange }
  | { kind: 'assignment'; key: string; at: string; agentId: string; agentName: string | null };

/** What a ticket adds to the stream (null: a conversation alone). */
export type StreamTicket = Pick<Ticket, 'notes' | 'statusHistory' | 'assignedAgent' | 'assignedAgentName' | 'assignedAt'>;

function time(iso: string): number {
  const value = Date.parse(iso);
  return Number.isNaN(value) ? 0 : value;
}

/** Oldest first; equal instants keep the order given (messages, then notes, then changes). */
function byTime(a: StreamItem, b: StreamItem): number {
  return time(a.at) - time(b.at);
}

/** The stream of `messages` and `ticket`: a public note sent to the customer appears once, as
 * the message it became (with its delivery state); the current assignment at its time. */
export function mergeStream(messages: readonly Message[], ticket: StreamTicket | null): StreamItem[] {
  const notes = new Map((ticket?.notes ?? []).map((note) => [note.id, note]));
  const sent = new Set<string>();
  const items: StreamItem[] = messages.map((message) => {
    const note = message.noteId ? (notes.get(message.noteId) ?? null) : null;
    if (message.noteId) sent.add(message.noteId);
    return { kind: 'message', key: `m-${message.id}`, at: message.createdAt, message, note };
  });
  for (const note of ticket?.notes ?? []) {
    if (!sent.has(note.id)) items.push({ kind: 'note', key: `n-${note.id}`, at: note.timestamp, note });
  }
  (ticket?.statusHistory ?? []).forEach((change, index) => {
    items.push({ kind: 'status', key: `s-${index}`, at: change.timestamp, change });
  });
  if (ticket?.assignedAgent && ticket.assignedAt) {
    items.push({ kind: 'assignment', key: `a-${ticket.assignedAgent}-${ticket.assignedAt}`, at: ticket.assignedAt, agentId: ticket.assignedAgent, agentName: ticket.assignedAgentName ?? null });
  }
  return items.sort(byTime);
}

const DELIVERY_RANK: Record<Message['delivery'], number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/** `messages` with `message` in its place: a new one inserted in time order, a known one
 * replaced unless the copy held is further along (events may arrive out of order). */
export function upsertMessage(messages: readonly Message[], message: Message): Message[] {
  const index = messages.findIndex((held) => held.id === message.id);
  if (index >= 0) {
    const held = messages[index];
    if (DELIVERY_RANK[held.delivery] > DELIVERY_RANK[message.delivery]) return [...messages];
    return messages.map((other, i) => (i === index ? message : other));
  }
  const after = messages.findIndex((held) => time(held.createdAt) > time(message.createdAt));
  if (after < 0) return [...messages, message];
  return [...messages.slice(0, after), message, ...messages.slice(after)];
}
