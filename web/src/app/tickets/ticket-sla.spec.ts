import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Observable, Subject, filter } from 'rxjs';

import { I18nService } from '../core/i18n.service';
import { Language, Sla, TicketPage, TicketStats, TicketSummary } from '../core/models';
import { LiveEvent, SocketService, TICKET_EVENTS } from '../core/socket.service';
import { SlaBadge } from './sla-badge';
import { SLA_CLASSES, Translate, humanDuration, nextDue, slaClocks, slaNeedsAttention, slaRemaining, slaStateLabel } from './sla-view';
import { slaAttainment } from '../dashboard/ticket-stats-widget';
import { TicketListState } from './ticket-list.state';
import { TicketSlaPanel } from './ticket-sla-panel';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const SLA: Sla = {
  firstResponseTarget: HOUR,
  resolutionTarget: 8 * HOUR,
  firstResponseAt: null,
  firstResponseMet: null,
  firstResponseElapsedMs: null,
  resolutionMet: null,
  elapsedMs: 20 * MINUTE,
  runningSince: '2026-03-02T15:00:00Z',
  pausedSince: null,
  firstResponseDueAt: '2026-03-02T15:40:00Z',
  resolutionDueAt: '2026-03-02T22:40:00Z',
  nextCheckAt: '2026-03-02T15:28:00Z',
  firstResponseWarnedAt: null,
  firstResponseBreachedAt: null,
  resolutionWarnedAt: null,
  resolutionBreachedAt: null,
  state: 'ok',
  remainingMs: 40 * MINUTE,
  paused: false,
};

function setUp(language: Language = 'en'): I18nService {
  localStorage.clear();
  localStorage.setItem('uts.language', language);
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  return TestBed.inject(I18nService);
}

function translator(i18n: I18nService): Translate {
  return (key, params) => i18n.t(key, params);
}

describe('SLA state', () => {
  it('has a label in each language and the agreed colour', () => {
    const en = translator(setUp('en'));
    expect(slaStateLabel('ok', en)).toBe('On time');
    expect(slaStateLabel('warning', en)).toBe('Due soon');
    expect(slaStateLabel('breached', en)).toBe('Breached');
    expect(slaStateLabel('met', en)).toBe('Met');
    expect(SLA_CLASSES.ok).toContain('green');
    expect(SLA_CLASSES.warning).toContain('amber');
    expect(SLA_CLASSES.breached).toContain('red');
    expect(SLA_CLASSES.met).toContain('blue');
  });

  it('is worded in Spanish when the console is', () => {
    TestBed.resetTestingModule();
    const es = translator(setUp('es'));
    expect(slaStateLabel('warning', es)).toBe('Por vencer');
    expect(slaStateLabel('breached', es)).toBe('Incumplido');
  });

  it('is marked in lists only when it needs someone', () => {
    expect(slaNeedsAttention({ state: 'warning' })).toBe(true);
    expect(slaNeedsAttention({ state: 'breached' })).toBe(true);
    expect(slaNeedsAttention({ state: 'ok' })).toBe(false);
    expect(slaNeedsAttention({ state: 'met' })).toBe(false);
    expect(slaNeedsAttention(undefined)).toBe(false);
  });
});

describe('SLA time in words', () => {
  it('rounds business time down to minutes, hours and days', () => {
    const t = translator(setUp('en'));
    expect(humanDuration(20_000, t)).toBe('under 1 min');
    expect(humanDuration(45 * MINUTE + 30_000, t)).toBe('45 min');
    expect(humanDuration(2 * HOUR, t)).toBe('2 h');
    expect(humanDuration(2 * HOUR + 15 * MINUTE, t)).toBe('2 h 15 min');
    expect(humanDuration(76 * HOUR, t)).toBe('3 d 4 h');
    expect(humanDuration(-35 * MINUTE, t)).toBe('35 min');
  });

  it('says how long is left to the next target, or how late it is', () => {
    const t = translator(setUp('en'));
    expect(slaRemaining({ ...SLA, remainingMs: 80 * MINUTE }, t)).toBe('1 h 20 min left for first response');
    expect(slaRemaining({ ...SLA, firstResponseAt: '2026-03-02T15:10:00Z', remainingMs: -35 * MINUTE }, t)).toBe(
      'Resolution overdue by 35 min',
    );
    expect(slaRemaining({ ...SLA, remainingMs: null }, t)).toBe('');
  });

  it('says it in Spanish too', () => {
    const t = translator(setUp('es'));
    expect(slaRemaining({ ...SLA, remainingMs: 80 * MINUTE }, t)).toBe('Quedan 1 h 20 min para la primera respuesta');
    expect(slaRemaining({ ...SLA, firstResponseAt: '2026-03-02T15:10:00Z', remainingMs: -2 * HOUR }, t)).toBe(
      'La resolución lleva 2 h de retraso',
    );
  });
});

describe('SLA clocks', () => {
  it('shows a counting clock with its due time and its warning', () => {
    const [first, resolution] = slaClocks({
      sla: { ...SLA, firstResponseWarnedAt: '2026-03-02T15:28:00Z', state: 'warning' },
      status: 'open',
      resolvedAt: null,
    });
    expect(first).toEqual({ clock: 'first_response', targetMs: HOUR, outcome: 'warning', dueAt: SLA.firstResponseDueAt, doneAt: null });
    expect(resolution.outcome).toBe('running');
    expect(resolution.dueAt).toBe(SLA.resolutionDueAt);
  });

  it('shows stopped clocks as met or missed, with when they stopped', () => {
    const sla: Sla = {
      ...SLA,
      firstResponseAt: '2026-03-02T16:10:00Z',
      firstResponseMet: false,
      firstResponseBreachedAt: '2026-03-02T15:40:00Z',
      resolutionMet: true,
      state: 'breached',
    };
    const [first, resolution] = slaClocks({ sla, status: 'resolved', resolvedAt: '2026-03-02T18:00:00Z' });
    expect([first.outcome, first.dueAt, first.doneAt]).toEqual(['missed', null, '2026-03-02T16:10:00Z']);
    expect([resolution.outcome, resolution.dueAt, resolution.doneAt]).toEqual(['met', null, '2026-03-02T18:00:00Z']);
  });

  it('stops a clock nobody answered when the ticket is closed', () => {
    const [first] = slaClocks({ sla: SLA, status: 'closed', resolvedAt: null });
    expect([first.outcome, first.dueAt]).toEqual(['stopped', null]);
  });
});

describe('SLA badge', () => {
  async function badge(sla: Pick<Sla, 'state' | 'paused'>, showPaused = true): Promise<HTMLElement> {
    setUp('en');
    const fixture = TestBed.createComponent(SlaBadge);
    fixture.componentRef.setInput('sla', sla);
    fixture.componentRef.setInput('showPaused', showPaused);
    await fixture.whenStable();
    return fixture.nativeElement;
  }

  it('shows the state in words and colour', async () => {
    const element = await badge({ state: 'breached', paused: false });
    expect(element.querySelector('[data-sla-state]')?.getAttribute('data-sla-state')).toBe('breached');
    expect(element.textContent?.trim()).toBe('SLA: Breached');
    expect(element.querySelector('.bg-red-100')).not.toBeNull();
    expect(element.querySelector('[data-testid=sla-paused]')).toBeNull();
  });

  it('says when the clock is paused, unless asked not to', async () => {
    const element = await badge({ state: 'warning', paused: true });
    expect(element.querySelector('.bg-amber-100')?.textContent?.trim()).toBe('SLA: Due soon');
    expect(element.querySelector('[data-testid=sla-paused]')?.textContent).toContain('Paused');
    TestBed.resetTestingModule();
    const quiet = await badge({ state: 'warning', paused: true }, false);
    expect(quiet.querySelector('[data-testid=sla-paused]')).toBeNull();
  });
});

describe('SLA panel', () => {
  it('shows what is left, the due times as local and relative time, and the targets', async () => {
    const i18n = setUp('en');
    const now = Date.now();
    const ticket: Pick<TicketSummary, 'sla' | 'status' | 'resolvedAt'> = {
      sla: {
        ...SLA,
        firstResponseDueAt: new Date(now + 2 * HOUR + 30_000).toISOString(),
        resolutionDueAt: new Date(now - 3 * MINUTE).toISOString(),
        resolutionBreachedAt: new Date(now - 3 * MINUTE).toISOString(),
        remainingMs: 2 * HOUR,
        state: 'breached',
      },
      status: 'in_progress',
      resolvedAt: null,
    };
    const fixture = TestBed.createComponent(TicketSlaPanel);
    fixture.componentRef.setInput('ticket', ticket);
    await fixture.whenStable();
    const element: HTMLElement = fixture.nativeElement;
    expect(element.querySelector('[data-testid=sla-remaining]')?.textContent?.trim()).toBe('2 h left for first response');
    const first = element.querySelector('[data-sla-clock=first_response]');
    expect(first?.getAttribute('data-outcome')).toBe('running');
    expect(first?.querySelector('[data-sla-due]')?.textContent?.trim()).toBe('Due in 2 hours');
    expect(first?.textContent).toContain(i18n.dateTime(ticket.sla.firstResponseDueAt));
    expect(first?.textContent).toContain('Target: 1 h');
    const resolution = element.querySelector('[data-sla-clock=resolution]');
    expect(resolution?.getAttribute('data-outcome')).toBe('breached');
    expect(resolution?.querySelector('[data-sla-due]')?.textContent?.trim()).toBe('Was due 3 minutes ago');
    expect(resolution?.textContent).toContain('Breached');
    expect(resolution?.textContent).toContain('Target: 8 h');
  });

  it('says the clock is paused and that nothing falls due meanwhile', async () => {
    setUp('en');
    const paused: Sla = {
      ...SLA,
      paused: true,
      pausedSince: new Date(Date.now() - 10 * MINUTE).toISOString(),
      runningSince: null,
      firstResponseDueAt: null,
      resolutionDueAt: null,
    };
    const fixture = TestBed.createComponent(TicketSlaPanel);
    fixture.componentRef.setInput('ticket', { sla: paused, status: 'pending_customer', resolvedAt: null });
    await fixture.whenStable();
    const element: HTMLElement = fixture.nativeElement;
    expect(element.querySelector('[data-testid=sla-paused-since]')?.textContent).toContain('Clock paused 10 minutes ago');
    expect(element.querySelector('[data-sla-clock=first_response]')?.textContent).toContain('No due time while paused');
  });
});

describe('tickets list, live SLA alarms', () => {
  const STATS: TicketStats = {
    total: 1, new: 0, open: 1, inProgress: 0, pendingCustomer: 0, waitingInternal: 0, resolved: 0, closed: 0,
    low: 0, medium: 1, high: 0, urgent: 0, escalated: 0, slaWarning: 0, slaBreached: 1, slaByPriority: {},
  };

  function page(state: Sla['state']): TicketPage {
    const ticket = { ticketId: 'LUX-2026-000001', sla: { ...SLA, state } } as TicketSummary;
    return { tickets: [ticket], pagination: { page: 1, limit: 20, total: 1, pages: 1 } };
  }

  it('reloads the page and the counts on a breach and highlights the ticket', async () => {
    const events = new Subject<LiveEvent>();
    const socket: Partial<SocketService> = {
      on: (...names: LiveEvent['name'][]): Observable<LiveEvent> => events.pipe(filter((event) => names.includes(event.name))),
      ticketEvents: (): Observable<LiveEvent> => events.pipe(filter((event) => (TICKET_EVENTS as readonly string[]).includes(event.name))),
    };
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting(), { provide: SocketService, useValue: socket }],
    });
    const state = TestBed.inject(TicketListState);
    state.reset();
    const backend = TestBed.inject(HttpTestingController);
    const subscription = state.connect();
    backend.expectOne((request) => request.url === '/api/v2/tickets').flush(page('warning'));
    backend.expectOne('/api/v2/tickets/stats/summary').flush({ success: true, stats: { ...STATS, slaWarning: 1, slaBreached: 0 } });

    events.next({ name: 'ticket_sla_breached', data: { ticketId: 'LUX-2026-000001', clock: 'resolution' } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    backend.expectOne((request) => request.url === '/api/v2/tickets').flush(page('breached'));
    backend.expectOne('/api/v2/tickets/stats/summary').flush({ success: true, stats: STATS });

    expect(state.page$.value?.tickets[0].sla.state).toBe('breached');
    expect(state.stats$.value?.slaBreached).toBe(1);
    expect(state.highlighted$.value.has('LUX-2026-000001')).toBe(true);
    subscription.unsubscribe();
    backend.verify();
  });
});

describe('the SLA time left of a list', () => {
  const ticket = { sla: SLA, status: 'open' as const, resolvedAt: null };

  it('counts down to the sooner clock still running, and to nothing while paused or once done', () => {
    expect(nextDue(ticket)).toBe('2026-03-02T15:40:00Z');
    const responded = { ...SLA, firstResponseAt: '2026-03-02T15:10:00Z', firstResponseMet: true };
    expect(nextDue({ ...ticket, sla: responded })).toBe('2026-03-02T22:40:00Z');
    expect(nextDue({ ...ticket, sla: { ...SLA, paused: true } })).toBeNull();
    expect(nextDue({ ...ticket, status: 'closed' })).toBeNull();
  });

  it('sums the attainment over priorities, none while nothing is decided', () => {
    expect(slaAttainment([{ met: 3, breached: 1 }, { met: 1, breached: 0 }])).toBe(0.8);
    expect(slaAttainment([{ met: 0, breached: 0 }])).toBeNull();
    expect(slaAttainment([])).toBeNull();
  });
});
