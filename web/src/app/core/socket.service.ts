import { Injectable, OnDestroy, inject } from '@angular/core';
import { BehaviorSubject, Observable, Subject, Subscription, filter } from 'rxjs';
import { Socket, io } from 'socket.io-client';

import { AuthService } from './auth.service';

/** Events the gateway sends to agents (plan §2.4 names, plus `config_updated`). The SLA
 * alarms (`SlaAlarm` payloads, each sent once per clock) change a ticket's `sla` like any other
 * ticket event changes the ticket, so every view that follows tickets follows them too. */
export const TICKET_EVENTS = [
  'ticket_created',
  'ticket_updated',
  'ticket_assigned',
  'ticket_note_added',
  'ticket_resolved',
  'ticket_escalated',
  'ticket_sla_warning',
  'ticket_sla_breached',
] as const;
export type TicketEventName = (typeof TICKET_EVENTS)[number];

/** A conversation's events (every agent gets them): a message, a delivery report, a handoff. */
export const CONVERSATION_EVENTS = ['conversation_message_created', 'conversation_message_updated', 'conversation_handed_off'] as const;
export type ConversationEventName = (typeof CONVERSATION_EVENTS)[number];

export interface LiveEvent {
  name: TicketEventName | ConversationEventName | 'config_updated';
  data: Record<string, unknown>;
}

/** Ticket id an event is about (`ticket_created` carries the whole ticket). */
export function eventTicketId(event: LiveEvent): string | null {
  const data = event.data;
  if (typeof data['ticketId'] === 'string') return data['ticketId'];
  const ticket = data['ticket'] as { ticketId?: unknown } | undefined;
  return typeof ticket?.ticketId === 'string' ? ticket.ticketId : null;
}

/** Conversation id a conversation event is about. */
export function conversationOf(event: LiveEvent): string | null {
  const data = event.data;
  if (typeof data['conversationId'] === 'string') return data['conversationId'];
  const message = data['message'] as { conversationId?: unknown } | undefined;
  return typeof message?.conversationId === 'string' ? message.conversationId : null;
}

/** One Socket.IO connection while an agent is signed in; its events as an RxJS stream. */
@Injectable({ providedIn: 'root' })
export class SocketService implements OnDestroy {
  private readonly auth = inject(AuthService);
  private readonly events = new Subject<LiveEvent>();
  private readonly connectedState = new BehaviorSubject<boolean>(false);
  private readonly rooms = new Set<string>();
  private socket: Socket | null = null;
  private readonly subscription: Subscription;

  readonly events$ = this.events.asObservable();
  readonly connected$ = this.connectedState.asObservable();

  constructor() {
    this.subscription = this.auth.agent$.subscribe((agent) => {
      if (agent) this.connect();
      else this.disconnect();
    });
  }

  on(...names: LiveEvent['name'][]): Observable<LiveEvent> {
    return this.events$.pipe(filter((event) => names.includes(event.name)));
  }

  ticketEvents(): Observable<LiveEvent> {
    return this.on(...TICKET_EVENTS);
  }

  /** Events about one conversation: its messages, their delivery, its handoffs. */
  conversation(conversationId: string): Observable<LiveEvent> {
    return this.on(...CONVERSATION_EVENTS).pipe(filter((event) => conversationOf(event) === conversationId));
  }

  /** Events about one ticket (joins its room while subscribed). */
  ticket(ticketId: string): Observable<LiveEvent> {
    return new Observable<LiveEvent>((subscriber) => {
      this.join(ticketId);
      const inner = this.ticketEvents()
        .pipe(filter((event) => eventTicketId(event) === ticketId))
        .subscribe(subscriber);
      return () => {
        inner.unsubscribe();
        this.leave(ticketId);
      };
    });
  }

  join(ticketId: string): void {
    this.rooms.add(ticketId);
    this.socket?.emit('join_ticket', { ticketId });
  }

  leave(ticketId: string): void {
    this.rooms.delete(ticketId);
    this.socket?.emit('leave_ticket', { ticketId });
  }

  private connect(): void {
    if (this.socket) return;
    const socket = io({ auth: { token: this.auth.token }, transports: ['websocket', 'polling'] });
    socket.on('connect', () => {
      this.connectedState.next(true);
      for (const ticketId of this.rooms) socket.emit('join_ticket', { ticketId });
    });
    socket.on('disconnect', () => this.connectedState.next(false));
    socket.on('connect_error', () => this.connectedState.next(false));
    socket.onAny((name: string, data: unknown) => {
      if (data && typeof data === 'object') {
        this.events.next({ name: name as LiveEvent['name'], data: data as Record<string, unknown> });
      }
    });
    this.socket = socket;
  }

  private disconnect(): void {
    this.socket?.disconnect();
    this.socket = null;
    this.connectedState.next(false);
  }

  ngOnDestroy(): void {
    this.subscription.unsubscribe();
    this.disconnect();
  }
}
