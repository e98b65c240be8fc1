import { HttpClient } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { merge } from 'rxjs';

import { Answer } from './api';
import { AuthService } from './auth.service';
import { SocketService } from './socket.service';

type NotificationPage = Answer<'/api/v2/notifications', 'get'>;
export type AgentNotification = NotificationPage['notifications'][number];

const BASE = '/api/v2/notifications';
export const DROPDOWN_SIZE = 10;
const SEEN_KEPT = 500;

/** When I last saw each ticket (its `updatedAt` then), kept per agent in the browser. */
export class SeenTickets {
  private readonly key: string;
  private seen: Record<string, string>;

  constructor(agentId: string, private readonly storage: Storage = localStorage) {
    this.key = `uts.seen.${agentId}`;
    try {
      this.seen = JSON.parse(storage.getItem(this.key) ?? '{}') as Record<string, string>;
    } catch {
      this.seen = {};
    }
  }

  saw(ticketId: string, updatedAt: string): void {
    delete this.seen[ticketId];
    this.seen[ticketId] = updatedAt;
    const ids = Object.keys(this.seen);
    for (const old of ids.slice(0, Math.max(0, ids.length - SEEN_KEPT))) delete this.seen[old];
    this.storage.setItem(this.key, JSON.stringify(this.seen));
  }

  /** Changed since I last opened it (never opened: not marked, or every row would be). */
  changedSince(ticketId: string, updatedAt: string): boolean {
    const seen = this.seen[ticketId];
    return seen !== undefined && Date.parse(updatedAt) > Date.parse(seen);
  }
}

/** The signed-in agent's notifications: the newest few, the unread count and the tickets they
 * are about; live (`notification_created`, `notifications_read` from another tab) and caught
 * up after a reconnect. Also what the lists mark as unread. */
@Injectable({ providedIn: 'root' })
export class NotificationService {
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);
  private readonly socket = inject(SocketService);
  private seenTickets: SeenTickets | null = null;

  readonly items = signal<AgentNotification[]>([]);
  readonly unread = signal(0);
  readonly unreadTickets = signal<ReadonlySet<string>>(new Set());
  /** Bumped when a ticket is opened, so marks computed from `SeenTickets` are redone. */
  readonly seenVersion = signal(0);
  readonly hasUnread = computed(() => this.unread() > 0);

  constructor() {
    this.auth.agent$.subscribe((agent) => {
      this.seenTickets = agent ? new SeenTickets(agent.id) : null;
      if (agent) this.load();
      else this.clear();
    });
    this.socket.on('notification_created').subscribe((event) => this.arrived(event.data));
    merge(this.socket.on('notifications_read'), this.socket.caughtUp$).subscribe(() => this.load());
  }

  load(): void {
    this.http.get<NotificationPage>(BASE, { params: { limit: DROPDOWN_SIZE } }).subscribe({
      next: (page) => {
        this.items.set(page.notifications);
        this.unread.set(page.unread);
        this.unreadTickets.set(new Set(page.unreadTicketIds));
      },
      error: () => undefined,
    });
  }

  markRead(notification: AgentNotification): void {
    if (notification.read) return;
    this.items.update((items) => items.map((n) => (n.id === notification.id ? { ...n, read: true } : n)));
    this.http.post<Answer<'/api/v2/notifications/{notification_id}/read', 'post'>>(`${BASE}/${encodeURIComponent(notification.id)}/read`, {}).subscribe({
      next: () => this.load(),
      error: () => undefined,
    });
  }

  markAllRead(): void {
    this.http.post(`${BASE}/read`, {}).subscribe({ next: () => this.load(), error: () => undefined });
  }

  /** The agent opened a ticket: its notifications are read, its changes seen. */
  opened(ticketId: string, updatedAt: string): void {
    this.seenTickets?.saw(ticketId, updatedAt);
    this.seenVersion.update((v) => v + 1);
    if (!this.unreadTickets().has(ticketId)) return;
    const rest = new Set(this.unreadTickets());
    rest.delete(ticketId);
    this.unreadTickets.set(rest);
    this.http.post(`${BASE}/read`, { ticketId }).subscribe({ next: () => this.load(), error: () => undefined });
  }

  /** A dot in the lists: unread notifications about it, or changed since I last opened it. */
  isUnread(ticketId: string, updatedAt: string): boolean {
    this.seenVersion();
    return this.unreadTickets().has(ticketId) || (this.seenTickets?.changedSince(ticketId, updatedAt) ?? false);
  }

  private arrived(data: Record<string, unknown>): void {
    const notification = data['notification'] as AgentNotification | undefined;
    if (!notification || notification.agentId !== this.auth.agent?.id) return;
    if (!this.items().some((n) => n.id === notification.id)) {
      this.items.update((items) => [notification, ...items].slice(0, DROPDOWN_SIZE));
    }
    if (typeof data['unread'] === 'number') this.unread.set(data['unread']);
    this.unreadTickets.set(new Set([...this.unreadTickets(), notification.ticketId]));
  }

  private clear(): void {
    this.items.set([]);
    this.unread.set(0);
    this.unreadTickets.set(new Set());
  }
}
