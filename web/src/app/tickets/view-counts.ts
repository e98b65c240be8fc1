import { Injectable, inject, signal } from '@angular/core';
import { Observable, catchError, debounceTime, forkJoin, map, merge, of, startWith, switchMap } from 'rxjs';

import { AuthService } from '../core/auth.service';
import { SocketService } from '../core/socket.service';
import { TicketService } from './ticket.service';
import { VIEWS, ViewName, toQuery } from './ticket-list.state';

/** Views whose count is shown ("recently updated" holds every ticket: no count). */
export const COUNTED: ViewName[] = ['mine', 'unassigned', 'open', 'breaching'];
/** Ticket events are gathered this long before the counts are asked again. */
export const COUNTS_DEBOUNCE_MS = 1500;

/** The built-in views' counts, live: each one page-of-one query's total (a count on the
 * server's indexes, no list), asked again once a burst of ticket events (or a catch-up) ends. */
@Injectable({ providedIn: 'root' })
export class ViewCounts {
  private readonly tickets = inject(TicketService);
  private readonly auth = inject(AuthService);
  private readonly socket = inject(SocketService);
  readonly counts = signal<Partial<Record<ViewName, number>>>({});

  /** Keep the counts current while subscribed (the list screen). */
  follow(): Observable<Partial<Record<ViewName, number>>> {
    return merge(this.socket.ticketEvents(), this.socket.caughtUp$).pipe(
      debounceTime(COUNTS_DEBOUNCE_MS),
      startWith(null),
      switchMap(() => this.read()),
    );
  }

  private read(): Observable<Partial<Record<ViewName, number>>> {
    const me = this.auth.agent?.id ?? null;
    const asks = Object.fromEntries(
      VIEWS.filter((view) => COUNTED.includes(view.name)).map((view) => [
        view.name,
        this.tickets.list({ ...toQuery(view.filters, me), page: 1, limit: 1, sortBy: '' }).pipe(
          map((page) => page.pagination.total),
          catchError(() => of(undefined)),
        ),
      ]),
    );
    return forkJoin(asks).pipe(map((counts) => counts as Partial<Record<ViewName, number>>));
  }
}
