import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Observable, Subject, filter } from 'rxjs';

import { AuthService } from '../core/auth.service';
import { LiveEvent, SocketService, TICKET_EVENTS } from '../core/socket.service';
import { COUNTS_DEBOUNCE_MS, ViewCounts } from './view-counts';

function page(total: number): object {
  return { success: true, tickets: [], pagination: { page: 1, limit: 1, total, pages: total } };
}

describe('live counts of the built-in views', () => {
  it('asks each view its total once, and again once per burst of ticket events', async () => {
    const events = new Subject<LiveEvent>();
    const socket: Partial<SocketService> = {
      ticketEvents: (): Observable<LiveEvent> => events.pipe(filter((e) => (TICKET_EVENTS as readonly string[]).includes(e.name))),
      caughtUp$: new Subject<void>(),
    };
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), { provide: SocketService, useValue: socket }, { provide: AuthService, useValue: { agent: { id: 'me' } } }],
    });
    const backend = TestBed.inject(HttpTestingController);
    const counts = TestBed.inject(ViewCounts);
    const seen: Partial<Record<string, number>>[] = [];
    const subscription = counts.follow().subscribe((c) => seen.push(c));

    const answer = (totals: Record<string, number>) => {
      const asks = backend.match((r) => r.url === '/api/v2/tickets');
      expect(asks.length).toBe(4);
      for (const ask of asks) {
        expect(ask.request.params.get('limit')).toBe('1');
        const p = ask.request.params;
        const view = p.get('slaState') ? 'breaching' : p.get('assignedAgent') === 'me' ? 'mine' : p.get('assignedAgent') === 'unassigned' ? 'unassigned' : 'open';
        ask.flush(page(totals[view]));
      }
    };
    answer({ mine: 2, unassigned: 3, open: 7, breaching: 1 });
    expect(seen.at(-1)).toEqual({ mine: 2, unassigned: 3, open: 7, breaching: 1 });

    for (let n = 0; n < 5; n++) events.next({ name: 'ticket_created', data: { ticket: { ticketId: `LUX-${n}` } } });
    await new Promise((resolve) => setTimeout(resolve, COUNTS_DEBOUNCE_MS + 100));
    answer({ mine: 2, unassigned: 8, open: 12, breaching: 1 });
    expect(seen.at(-1)).toEqual({ mine: 2, unassigned: 8, open: 12, breaching: 1 });
    backend.verify();
    subscription.unsubscribe();
  });
});
