import { HttpClient } from '@angular/common/http';
import { EMPTY, Observable, expand, map, reduce } from 'rxjs';

import { Answer } from './api';

/** How far before the drop the feed is read: the browser's clock may differ from the server's,
 * and a change in flight at the drop must not be passed over. */
export const CATCH_UP_MARGIN_MS = 30_000;
/** Pages of the changes feed read at most (100 tickets each); a longer drop reloads anyway. */
export const CATCH_UP_PAGES = 5;

type ChangesPage = Answer<'/api/v2/tickets/changes', 'get'>;

/** Ids of the tickets changed since `droppedAt` (less the margin), from `GET /tickets/changes`. */
export function changedSince(http: HttpClient, droppedAt: Date): Observable<string[]> {
  const since = new Date(droppedAt.getTime() - CATCH_UP_MARGIN_MS).toISOString();
  const read = (params: Record<string, string>) => http.get<ChangesPage>('/api/v2/tickets/changes', { params: { ...params, limit: '100' } });
  let pages = 0;
  return read({ since }).pipe(
    expand((page) => (page.hasMore && ++pages < CATCH_UP_PAGES ? read({ cursor: page.nextCursor }) : EMPTY)),
    map((page) => page.tickets.map((ticket) => ticket.ticketId)),
    reduce((all, ids) => [...all, ...ids], [] as string[]),
  );
}

/** The tickets to refresh after a reconnect: the changed ones and the ones followed (open on
 * screen: the feed holds back the last couple of seconds), each once. */
export function ticketsToRefresh(changed: string[], followed: Iterable<string>): string[] {
  return [...new Set([...changed, ...followed])];
}
