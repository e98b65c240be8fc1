import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { MessageKey } from '../core/messages';
import { Sla, Ticket, TicketStatus } from '../core/models';
import { TicketActions } from './ticket-actions';
import { allowedNext } from './ticket-workflow';
import { CLOSE_REASON_MAX, closeReasonForm, closeReasonLabel, needsCloseReason, toCloseReason } from './ticket-close';
import { typeInto } from '../testing/dom';

const SLA: Sla = {
  firstResponseTarget: 3_600_000,
  resolutionTarget: 28_800_000,
  firstResponseAt: null,
  firstResponseMet: null,
  firstResponseElapsedMs: null,
  resolutionMet: null,
  elapsedMs: 0,
  runningSince: '2026-03-02T15:00:00Z',
  pausedSince: null,
  firstResponseDueAt: null,
  resolutionDueAt: null,
  nextCheckAt: null,
  firstResponseWarnedAt: null,
  firstResponseBreachedAt: null,
  resolutionWarnedAt: null,
  resolutionBreachedAt: null,
  state: 'ok',
  remainingMs: null,
  paused: false,
};

function ticket(status: TicketStatus, allowedNextStatuses?: TicketStatus[]): Ticket {
  return {
    ticketId: 'LUX-2026-00042',
    subject: 'Farola apagada',
    description: 'No enciende',
    category: 'other',
    subcategory: null,
    priority: 'medium',
    status,
    statusHistory: [],
    customerId: 'c1',
    customer: { id: 'c1', name: 'Ana Ruiz', phoneNumber: '+34600000001' },
    conversationId: null,
    location: null,
    attachments: [],
    createdBy: 'a1',
    createdByName: 'Ana Agent',
    assignedAgent: null,
    assignedAgentName: null,
    assignedAt: null,
    sla: SLA,
    resolvedAt: null,
    resolvedBy: null,
    resolvedByName: null,
    resolutionNotes: null,
    customerFeedback: null,
    tags: [],
    isEscalated: false,
    escalatedTo: null,
    escalatedToName: null,
    escalationReason: null,
    escalatedAt: null,
    source: 'agent',
    closedAt: null,
    closeReason: null,
    createdAt: '2026-03-02T15:00:00Z',
    updatedAt: '2026-03-02T15:00:00Z',
    version: 3,
    mergedInto: null,
    mergedFrom: [],
    links: [],
    problemId: null,
    isProblem: false,
    incidentCount: 0,
    score: null,
    allowedNextStatuses: allowedNextStatuses ?? allowedNext(status),
    notes: [],
  };
}

describe('close reason form', () => {
  it('needs a choice: one of the usual reasons is sent as its code', () => {
    const form = closeReasonForm();
    expect(form.valid).toBe(false);
    for (const reason of ['duplicate', 'spam', 'no_response'] as const) {
      form.setValue({ choice: reason, other: '' });
      expect(form.valid).toBe(true);
      expect(toCloseReason(form)).toBe(reason);
    }
  });

  it('needs words when the reason is another one, and sends them trimmed', () => {
    const form = closeReasonForm();
    form.setValue({ choice: 'other', other: '' });
    expect(form.hasError('otherRequired')).toBe(true);
    form.setValue({ choice: 'other', other: '   ' });
    expect(form.valid).toBe(false);
    form.setValue({ choice: 'other', other: '  The customer fixed it  ' });
    expect(form.valid).toBe(true);
    expect(toCloseReason(form)).toBe('The customer fixed it');
    form.setValue({ choice: 'other', other: 'x'.repeat(CLOSE_REASON_MAX + 1) });
    expect(form.controls.other.hasError('maxlength')).toBe(true);
  });

  it('ignores typed words when a usual reason is picked', () => {
    const form = closeReasonForm();
    form.setValue({ choice: 'spam', other: 'left over' });
    expect(toCloseReason(form)).toBe('spam');
  });

  it('asks only when the ticket was not resolved, and labels the usual reasons', () => {
    expect(needsCloseReason('open')).toBe(true);
    expect(needsCloseReason('in_progress')).toBe(true);
    expect(needsCloseReason('resolved')).toBe(false);
    const t = (key: MessageKey) => `<${key}>`;
    expect(closeReasonLabel('no_response', t)).toBe('<closeReason.no_response>');
    expect(closeReasonLabel('Customer moved away', t)).toBe('Customer moved away');
  });
});

describe('closing from the ticket actions', () => {
  let fixture: ComponentFixture<TicketActions>;
  let backend: HttpTestingController;
  let page: HTMLElement;

  function open(current: Ticket): void {
    localStorage.clear();
    localStorage.setItem('uts.language', 'en');
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    fixture = TestBed.createComponent(TicketActions);
    fixture.componentRef.setInput('ticket', current);
    fixture.detectChanges();
    backend = TestBed.inject(HttpTestingController);
    page = fixture.nativeElement as HTMLElement;
  }

  const find = <T extends HTMLElement>(testId: string) => page.querySelector<T>(`[data-testid="${testId}"]`);

  function pick(testId: string): void {
    find<HTMLInputElement>(testId)!.click();
    fixture.detectChanges();
  }

  it('asks for a reason before closing an open ticket, then sends it with the status', () => {
    open(ticket('open'));
    expect(page.querySelector('[data-move="closed"]')).toBeNull();
    expect(find('close-form')).toBeNull();
    find<HTMLButtonElement>('close-open')!.click();
    fixture.detectChanges();

    expect(find('close-form')).not.toBeNull();
    expect(page.textContent).toContain('Duplicate');
    expect(page.textContent).toContain('No response from the customer');
    expect(find<HTMLButtonElement>('close-confirm')!.disabled).toBe(true);

    pick('close-reason-duplicate');
    expect(find<HTMLButtonElement>('close-confirm')!.disabled).toBe(false);
    find<HTMLButtonElement>('close-confirm')!.click();

    const request = backend.expectOne('/api/v2/tickets/LUX-2026-00042/status');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({ status: 'closed', reason: 'duplicate', expectedVersion: 3 });
    let changed: Ticket | null = null;
    fixture.componentInstance.changed.subscribe((next) => (changed = next));
    request.flush({ success: true, ticket: { ...ticket('closed'), closeReason: 'duplicate' } });
    fixture.detectChanges();
    expect(changed!.status).toBe('closed');
    expect(find('close-form')).toBeNull();
  });

  it('takes words of its own: typing picks "other", and an empty one says it is required', () => {
    open(ticket('in_progress'));
    find<HTMLButtonElement>('close-open')!.click();
    fixture.detectChanges();
    const text = find<HTMLInputElement>('close-reason-text')!;
    text.dispatchEvent(new Event('focus'));
    text.dispatchEvent(new Event('blur'));
    fixture.detectChanges();
    expect(find<HTMLInputElement>('close-reason-other')!.checked).toBe(true);
    expect(page.querySelector('[data-error-for="reason"]')?.textContent).toContain('Required');
    expect(find<HTMLButtonElement>('close-confirm')!.disabled).toBe(true);

    typeInto(fixture, text, 'Customer moved away');
    expect(page.querySelector('[data-error-for="reason"]')).toBeNull();
    find<HTMLButtonElement>('close-confirm')!.click();
    const request = backend.expectOne('/api/v2/tickets/LUX-2026-00042/status');
    expect(request.request.body.reason).toBe('Customer moved away');
  });

  it("shows the server's refusal of the reason next to it", () => {
    open(ticket('open'));
    find<HTMLButtonElement>('close-open')!.click();
    fixture.detectChanges();
    pick('close-reason-spam');
    find<HTMLButtonElement>('close-confirm')!.click();
    backend.expectOne('/api/v2/tickets/LUX-2026-00042/status').flush(
      {
        success: false,
        error: 'reason: closing a ticket that is not resolved needs a reason',
        details: [{ field: 'reason', reason: 'closing a ticket that is not resolved needs a reason' }],
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    fixture.detectChanges();
    expect(page.querySelector('[data-error-for="reason"]')?.textContent).toContain('needs a reason');
    expect(find('action-error')).toBeNull();
    expect(find('close-form')).not.toBeNull();
  });

  it('closes a resolved ticket without asking', () => {
    open(ticket('resolved'));
    expect(find('close-open')).toBeNull();
    page.querySelector<HTMLButtonElement>('[data-move="closed"]')!.click();
    const request = backend.expectOne('/api/v2/tickets/LUX-2026-00042/status');
    expect(request.request.body).toEqual({ status: 'closed', reason: null, expectedVersion: 3 });
  });

  it('offers no close when the server says closing is not allowed', () => {
    open(ticket('in_progress', ['pending_customer', 'waiting_internal']));
    expect(find('close-open')).toBeNull();
  });
});
