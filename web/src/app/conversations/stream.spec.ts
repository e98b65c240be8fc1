import { Message, Note, StatusChange } from '../core/models';
import { StreamTicket, mergeStream, upsertMessage } from './stream';

function message(id: string, at: string, fields: Partial<Message> = {}): Message {
  return {
    id,
    conversationId: 'c1',
    customerId: 'u1',
    direction: 'inbound',
    author: 'customer',
    agentId: null,
    agentName: null,
    text: id,
    attachments: [],
    createdAt: at,
    delivery: 'delivered',
    deliveryReason: null,
    deliveryUpdatedAt: null,
    ticketId: null,
    noteId: null,
    ...fields,
  };
}

function note(id: string, at: string, isInternal: boolean): Note {
  return { id, content: id, isInternal, timestamp: at, agentId: 'a1', agentName: 'Ana', byCustomer: false };
}

function change(from: StatusChange['from'], to: StatusChange['to'], at: string, reason: string | null = null): StatusChange {
  return { from, to, timestamp: at, changedBy: 'a1', reason };
}

function ticket(fields: Partial<StreamTicket>): StreamTicket {
  return { notes: [], statusHistory: [], assignedAgent: null, assignedAgentName: null, assignedAt: null, ...fields };
}

describe('the conversation stream', () => {
  it('puts messages, notes, status changes and the assignment in time order, the newest last', () => {
    const items = mergeStream(
      [message('hola', '2026-12-01T10:00:00Z'), message('respuesta', '2026-12-01T10:05:00Z', { direction: 'outbound', author: 'agent', delivery: 'pending' })],
      ticket({
        notes: [note('interna', '2026-12-01T10:02:00Z', true)],
        statusHistory: [change('new', 'in_progress', '2026-12-01T10:03:00Z')],
        assignedAgent: 'a1',
        assignedAgentName: 'Ana',
        assignedAt: '2026-12-01T10:01:00Z',
      }),
    );
    expect(items.map((item) => item.kind)).toEqual(['message', 'assignment', 'note', 'status', 'message']);
    expect(items.map((item) => item.at)).toEqual([...items.map((item) => item.at)].sort());
  });

  it('shows a public note sent to the customer once, as the message it became', () => {
    const sent = note('cuadrilla', '2026-12-01T10:00:00Z', false);
    const items = mergeStream([message('m1', '2026-12-01T10:00:01Z', { direction: 'outbound', author: 'agent', noteId: 'cuadrilla', delivery: 'sent' })], ticket({ notes: [sent] }));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'message', note: sent });
  });

  it('shows a conversation alone when there is no ticket', () => {
    expect(mergeStream([message('a', '2026-12-01T10:00:00Z')], null).map((item) => item.key)).toEqual(['m-a']);
  });

  it('inserts a live message in time order and replaces a known one', () => {
    const first = message('a', '2026-12-01T10:00:00Z');
    const last = message('c', '2026-12-01T10:10:00Z');
    const between = message('b', '2026-12-01T10:05:00Z');
    expect(upsertMessage([first, last], between).map((m) => m.id)).toEqual(['a', 'b', 'c']);
    const pending = message('r', '2026-12-01T10:11:00Z', { direction: 'outbound', delivery: 'pending' });
    const read = { ...pending, delivery: 'read' as const };
    expect(upsertMessage([first, pending], read)[1].delivery).toBe('read');
  });

  it('never moves a delivery back when an older report arrives late', () => {
    const read = message('r', '2026-12-01T10:00:00Z', { direction: 'outbound', delivery: 'read' });
    expect(upsertMessage([read], { ...read, delivery: 'sent' })[0].delivery).toBe('read');
  });
});
