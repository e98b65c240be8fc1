import { HttpClient, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';

import { CATCH_UP_MARGIN_MS, changedSince, ticketsToRefresh } from './catch-up';

describe('catching up after a reconnect', () => {
  it('reads the changes feed from a little before the drop, page after page', async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    const backend = TestBed.inject(HttpTestingController);
    const droppedAt = new Date('2026-11-30T10:00:00Z');
    const ids = firstValueFrom(changedSince(TestBed.inject(HttpClient), droppedAt));

    const first = backend.expectOne((request) => request.url === '/api/v2/tickets/changes');
    expect(first.request.params.get('since')).toBe(new Date(droppedAt.getTime() - CATCH_UP_MARGIN_MS).toISOString());
    first.flush({ success: true, tickets: [{ ticketId: 'LUX-1' }], nextCursor: 'c1', hasMore: true });
    const second = backend.expectOne((request) => request.url === '/api/v2/tickets/changes');
    expect(second.request.params.get('cursor')).toBe('c1');
    expect(second.request.params.has('since')).toBe(false);
    second.flush({ success: true, tickets: [{ ticketId: 'LUX-2' }], nextCursor: 'c2', hasMore: false });

    expect(await ids).toEqual(['LUX-1', 'LUX-2']);
    backend.verify();
  });

  it('refreshes each changed or followed ticket once', () => {
    expect(ticketsToRefresh(['LUX-1', 'LUX-2'], new Set(['LUX-2', 'LUX-3']))).toEqual(['LUX-1', 'LUX-2', 'LUX-3']);
  });
});
