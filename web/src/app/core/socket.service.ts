import { HttpClient } from '@angular/common/http';
import { Injectable, OnDestroy, inject } from '@angular/core';
import { BehaviorSubject, Observable, Subject, Subscription, catchError, filter, of } from 'rxjs';
import { Socket, io } from 'socket.io-client';

import { AuthService } from './auth.service';
import { changedSince, ticketsToRefresh } from './catch-up';

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

/** An agent's own notifications (`notification_created`) and marks read in another tab. */
export const NOTIFICATION_EVENTS = ['notification_created', 'notifications_read'] as const;
export type NotificationEventName = (typeof NOTIFICATION_EVENTS)[number];

export interface LiveEvent {
  name: TicketEventName | ConversationEventName | NotificationEventName | 'config_updated' | 'ticket_presence';
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

/** One Socket.IO connection while an agent is signed in; its events as an RxJS stream.
 * After a reconnect it first catches up: the tickets the changes feed says changed meanwhile
 * (and the ones followed on screen) come as `ticket_updated` events, so every view refreshes
 * them; `caughtUp$` tells the rest (notifications); only then is it "live" again. */
@Injectable({ providedIn: 'root' })
export class SocketService implements OnDestroy {
  private readonly auth = inject(AuthService);
  private readonly http = inject(HttpClient);
  private readonly caughtUp = new Subject<void>();
  private droppedAt: Date | null = null;
  private everConnected = false;
  private readonly events = new Subject<LiveEvent>();
  private readonly connectedState = new BehaviorSubject<boolean>(false);
  private readonly rooms = new Set<string>();
  private socket: Socket | null = null;
  private readonly subscription: Subscription;

  readonly events$ = this.events.asObservable();
  readonly connected$ = this.connectedState.asObservable();
  readonly caughtUp$ = this.caughtUp.asObservable();

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
      for (const ticketId of this.rooms) socket.emit('join_ticket', { ticketId });
      if (this.everConnected) this.catchUp();
      else {
        this.droppedAt = null; // failed first attempts are no drop: nothing was shown yet
        this.connectedState.next(true);
      }
      this.everConnected = true;
    });
    socket.on('disconnect', () => this.dropped());
    socket.on('connect_error', () => this.dropped());
    socket.onAny((name: string, data: unknown) => {
      if (data && typeof data === 'object') {
        this.events.next({ name: name as LiveEvent['name'], data: data as Record<string, unknown> });
      }
    });
    this.socket = socket;
  }

  private dropped(): void {
    this.droppedAt ??= new Date();
    this.connectedState.next(false);
  }

  private catchUp(): void {
    const droppedAt = this.droppedAt ?? new Date();
    changedSince(this.http, droppedAt)
      .pipe(catchError(() => of([] as string[])))
      .subscribe((changed) => {
        this.droppedAt = null;
        for (const ticketId of ticketsToRefresh(changed, this.rooms)) {
          this.events.next({ name: 'ticket_updated', data: { ticketId, caughtUp: true } });
        }
        this.caughtUp.next();
        if (this.socket?.connected) this.connectedState.next(true);
      });
  }

  /** Send an event to the gateway (presence pings). */
  emit(name: string, data: Record<string, unknown>): void {
    this.socket?.emit(name, data);
  }

  /** Ask the gateway and wait for its acknowledgement (null when not connected or no answer). */
  async request(name: string, data: Record<string, unknown>): Promise<unknown> {
    if (!this.socket?.connected) return null;
    try {
      return await this.socket.timeout(5000).emitWithAck(name, data);
    } catch {
      return null;
    }
  }

  private disconnect(): void {
    this.socket?.disconnect();
    this.socket = null;
    this.everConnected = false;
    this.droppedAt = null;
    this.connectedState.next(false);
  }

  ngOnDestroy(): void {
    this.subscription.unsubscribe();
    this.disconnect();
  }
}
