import { Injectable, inject, signal } from '@angular/core';
import { filter } from 'rxjs';

import { AuthService } from './auth.service';
import { SocketService } from './socket.service';

export interface Viewer {
  agentId: string;
  name: string;
  typing: boolean;
}

/** How long a typing ping shows its agent typing (the gateway's `TYPING_SECONDS`). */
export const TYPING_MS = 5000;
/** The most often this console pings while its agent types. */
export const TYPING_PING_MS = 2000;

/** Initials of a name for a chip: `Ana Ruiz` → `AR`. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return ((words[0]?.[0] ?? '') + (words.length > 1 ? (words.at(-1)?.[0] ?? '') : '')).toUpperCase() || '?';
}

/** Viewers of a ticket as this console shows them: without the agent itself; typing only until
 * `typingUntil` (each ping lasts `TYPING_MS`). */
export function others(viewers: Viewer[], me: string | null, typingUntil: ReadonlyMap<string, number>, now: number): Viewer[] {
  return viewers
    .filter((viewer) => viewer.agentId !== me)
    .map((viewer) => ({ ...viewer, typing: (typingUntil.get(viewer.agentId) ?? 0) > now }));
}

/** Who views and who types on each ticket (`ticket_presence` over Socket.IO, the whole picture
 * asked for at every (re)connect); typing pings for the ticket this agent writes on. */
@Injectable({ providedIn: 'root' })
export class PresenceService {
  private readonly socket = inject(SocketService);
  private readonly auth = inject(AuthService);
  private readonly byTicket = signal<ReadonlyMap<string, Viewer[]>>(new Map());
  private readonly typingUntil = new Map<string, Map<string, number>>();
  private readonly clock = signal(Date.now());
  private lastPing = new Map<string, number>();

  constructor() {
    this.socket.on('ticket_presence').subscribe((event) => {
      const ticketId = event.data['ticketId'];
      const viewers = event.data['viewers'];
      if (typeof ticketId === 'string' && Array.isArray(viewers)) this.set(ticketId, viewers as Viewer[]);
    });
    this.socket.connected$.pipe(filter(Boolean)).subscribe(() => void this.snapshot());
  }

  /** The other agents on a ticket, typing marked (re-read as typing runs out). */
  viewers(ticketId: string): Viewer[] {
    const now = this.clock();
    return others(this.byTicket().get(ticketId) ?? [], this.auth.agent?.id ?? null, this.typingUntil.get(ticketId) ?? new Map(), now);
  }

  /** This agent types on `ticketId` (called on every keystroke; pings at most every 2 s). */
  typing(ticketId: string): void {
    const now = Date.now();
    if (now - (this.lastPing.get(ticketId) ?? 0) < TYPING_PING_MS) return;
    this.lastPing.set(ticketId, now);
    this.socket.emit('typing', { ticketId });
  }

  private set(ticketId: string, viewers: Viewer[]): void {
    const next = new Map(this.byTicket());
    if (viewers.length) next.set(ticketId, viewers);
    else next.delete(ticketId);
    const until = this.typingUntil.get(ticketId) ?? new Map<string, number>();
    for (const viewer of viewers) {
      if (viewer.typing) until.set(viewer.agentId, Date.now() + TYPING_MS);
    }
    this.typingUntil.set(ticketId, until);
    this.byTicket.set(next);
    this.clock.set(Date.now());
    if (viewers.some((viewer) => viewer.typing)) setTimeout(() => this.clock.set(Date.now()), TYPING_MS + 50);
  }

  private async snapshot(): Promise<void> {
    const answer = (await this.socket.request('presence', {})) as { tickets?: Record<string, Viewer[]> } | null;
    if (!answer?.tickets) return;
    this.byTicket.set(new Map(Object.entries(answer.tickets)));
  }
}
