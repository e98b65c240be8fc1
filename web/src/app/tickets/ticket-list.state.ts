import { Injectable, inject } from '@angular/core';
import {
  BehaviorSubject,
  Subscription,
  buffer,
  catchError,
  debounceTime,
  filter,
  map,
  merge,
  of,
  switchMap,
  tap,
} from 'rxjs';

import { ApiError, toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { SlaState, TicketPage, TicketStats } from '../core/models';
import { LiveEvent, SocketService, eventTicketId } from '../core/socket.service';
import { SortBy, TicketQuery, TicketService } from './ticket.service';

export type AssignedFilter = 'anyone' | 'me' | 'unassigned';
/** The SLA filter: any state (`''`) or one. */
export type SlaFilter = SlaState | '';

/** What the filter bar holds (the API query is derived from it). */
export interface ListFilters {
  search: string;
  status: TicketQuery['status'];
  priority: TicketQuery['priority'];
  category: string;
  assigned: AssignedFilter;
  sla: SlaFilter;
  sortBy: SortBy | '';
  sortOrder: 'asc' | 'desc';
  page: number;
}

export const DEFAULT_FILTERS: ListFilters = {
  search: '',
  status: '',
  priority: '',
  category: '',
  assigned: 'anyone',
  sla: '',
  sortBy: '',
  sortOrder: 'desc',
  page: 1,
};

export const PAGE_SIZE = 20;
const HIGHLIGHT_MS = 4000;
const LIVE_DEBOUNCE_MS = 250;

export function toQuery(filters: ListFilters, myId: string | null): TicketQuery {
  const assignedAgent =
    filters.assigned === 'me' ? (myId ?? undefined) : filters.assigned === 'unassigned' ? 'unassigned' : undefined;
  return {
    page: filters.page,
    limit: PAGE_SIZE,
    search: filters.search,
    status: filters.status,
    priority: filters.priority,
    category: filters.category,
    assignedAgent,
    slaState: filters.sla || undefined,
    sortBy: filters.sortBy,
    sortOrder: filters.sortOrder,
  };
}

/** The tickets list's state (BehaviorSubjects), kept across visits so filters survive
 * opening a ticket and coming back. Live: any ticket event reloads the page and the counts
 * (the server decides what matches the filters, SLA states included: the SLA warnings and breaches
 * are ticket events too) and highlights the tickets it was about. */
@Injectable({ providedIn: 'root' })
export class TicketListState {
  private readonly tickets = inject(TicketService);
  private readonly socket = inject(SocketService);
  private readonly auth = inject(AuthService);

  readonly filters$ = new BehaviorSubject<ListFilters>(DEFAULT_FILTERS);
  readonly page$ = new BehaviorSubject<TicketPage | null>(null);
  readonly stats$ = new BehaviorSubject<TicketStats | null>(null);
  readonly error$ = new BehaviorSubject<ApiError | null>(null);
  readonly loading$ = new BehaviorSubject<boolean>(false);
  readonly highlighted$ = new BehaviorSubject<ReadonlySet<string>>(new Set());

  update(changes: Partial<ListFilters>): void {
    const page = 'page' in changes ? (changes.page ?? 1) : 1;
    this.filters$.next({ ...this.filters$.value, ...changes, page });
  }

  reset(): void {
    this.filters$.next(DEFAULT_FILTERS);
  }

  /** Start loading and listening; unsubscribe when the list is left. */
  connect(): Subscription {
    const live = this.socket.ticketEvents();
    const liveBursts = live.pipe(buffer(live.pipe(debounceTime(LIVE_DEBOUNCE_MS))));
    const reloads = merge(
      this.filters$.pipe(map(() => [] as LiveEvent[])),
      liveBursts.pipe(filter((events) => events.length > 0)),
    );
    const subscription = reloads
      .pipe(
        tap(() => this.loading$.next(true)),
        switchMap((events) =>
          this.tickets.list(toQuery(this.filters$.value, this.auth.agent?.id ?? null)).pipe(
            map((page) => ({ page, events })),
            catchError((error: unknown) => {
              this.error$.next(toApiError(error));
              return of(null);
            }),
          ),
        ),
      )
      .subscribe((result) => {
        this.loading$.next(false);
        if (!result) return;
        this.error$.next(null);
        this.page$.next(result.page);
        this.highlight(result.events);
      });
    subscription.add(reloads.pipe(switchMap(() => this.tickets.stats().pipe(catchError(() => of(null))))).subscribe((stats) => {
      if (stats) this.stats$.next(stats);
    }));
    return subscription;
  }

  private highlight(events: LiveEvent[]): void {
    const ids = events.map(eventTicketId).filter((id): id is string => id !== null);
    if (ids.length === 0) return;
    this.highlighted$.next(new Set([...this.highlighted$.value, ...ids]));
    setTimeout(() => {
      const remaining = new Set(this.highlighted$.value);
      for (const id of ids) remaining.delete(id);
      this.highlighted$.next(remaining);
    }, HIGHLIGHT_MS);
  }
}
