import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { MessageKey } from '../core/messages';
import { describeEventTypes, eventTypesForm, fromEventTypes, toEventTypes } from './webhook-events';
import { WebhooksSettings, attemptOutcome, httpUrl, newWebhook, webhookForm } from './webhooks-settings';
import { EVENT_TYPES, Webhook, WebhookDelivery, WebhooksService } from './webhooks.service';
import { typeInto } from '../testing/dom';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const CRM: Webhook = {
  id: 'wh-1',
  url: 'https://crm.example.com/hooks/tickets',
  eventTypes: ['ticket.created', 'ticket.resolved'],
  description: 'CRM sync',
  enabled: true,
  createdAt: '2026-03-02T15:00:00Z',
  createdBy: 'admin-1',
  updatedAt: null,
  updatedBy: null,
  disabledReason: null,
  disabledAt: null,
  failureCount: 0,
};

const BROKEN: Webhook = {
  ...CRM,
  id: 'wh-2',
  url: 'https://gone.example.com/hook',
  eventTypes: ['*'],
  description: '',
  enabled: false,
  disabledReason: '5 deliveries in a row failed; the last: HTTP 503',
  disabledAt: '2026-03-02T16:00:00Z',
  failureCount: 5,
};

const DELIVERIES: WebhookDelivery[] = [
  {
    id: 'd-2',
    subscriptionId: 'wh-1',
    eventId: 'ev-2',
    eventType: 'ticket.resolved',
    status: 'pending',
    attempts: [{ at: '2026-03-02T16:01:00Z', statusCode: null, error: 'connection refused', durationMs: 12 }],
    attemptCount: 1,
    createdAt: '2026-03-02T16:01:00Z',
    nextAttemptAt: '2026-03-02T16:02:00Z',
    finishedAt: null,
  },
  {
    id: 'd-1',
    subscriptionId: 'wh-1',
    eventId: 'ev-1',
    eventType: 'ticket.created',
    status: 'delivered',
    attempts: [
      { at: '2026-03-02T15:00:01Z', statusCode: 500, error: 'HTTP 500', durationMs: 80 },
      { at: '2026-03-02T15:00:31Z', statusCode: 204, error: null, durationMs: 45 },
    ],
    attemptCount: 2,
    createdAt: '2026-03-02T15:00:00Z',
    nextAttemptAt: null,
    finishedAt: '2026-03-02T15:00:31Z',
  },
];

describe('webhook event types', () => {
  it('are "all" (["*"]) or the ticked ticket events, in order', () => {
    expect(EVENT_TYPES).toHaveLength(8);
    expect(toEventTypes({ all: true, events: EVENT_TYPES.map(() => true) })).toEqual(['*']);
    expect(toEventTypes({ all: false, events: [false, false, false, false, true, false, false, true] })).toEqual([
      'ticket.resolved',
      'ticket.sla_breached',
    ]);
    expect(fromEventTypes(['*'])).toEqual({ all: true, events: EVENT_TYPES.map(() => false) });
    expect(toEventTypes(fromEventTypes(['ticket.sla_warning', 'ticket.created']))).toEqual(['ticket.created', 'ticket.sla_warning']);
  });

  it('need "all" or at least one event', () => {
    const form = eventTypesForm();
    expect(form.valid).toBe(false);
    form.controls.all.setValue(true);
    expect(form.valid).toBe(true);
    form.controls.all.setValue(false);
    form.controls.events.at(2).setValue(true);
    expect(form.valid).toBe(true);
    expect(toEventTypes(form.getRawValue())).toEqual(['ticket.assigned']);
    expect(eventTypesForm(['ticket.note_added']).controls.events.value[3]).toBe(true);
  });

  it('read in words', () => {
    const t = (key: MessageKey) => `<${key}>`;
    expect(describeEventTypes(['*'], t)).toEqual(['<webhooks.allEvents>']);
    expect(describeEventTypes(['ticket.created', 'ticket.future'], t)).toEqual(['<webhookEvent.ticket.created>', 'ticket.future']);
  });
});

describe('webhook form', () => {
  it('needs an http(s) URL and some events, and sends them trimmed', () => {
    const form = webhookForm();
    expect(form.valid).toBe(false);
    for (const bad of ['crm.example.com/hook', 'ftp://crm.example.com', 'https://', 'https://crm example.com']) {
      form.controls.url.setValue(bad);
      expect(form.controls.url.hasError('url')).toBe(true);
    }
    form.controls.url.setValue(' https://crm.example.com/hooks?x=1 ');
    expect(httpUrl(form.controls.url)).toBeNull();
    expect(form.valid).toBe(false); // no events yet
    form.controls.events.controls.all.setValue(true);
    form.controls.description.setValue('  CRM  ');
    expect(form.valid).toBe(true);
    expect(newWebhook(form)).toEqual({ url: 'https://crm.example.com/hooks?x=1', eventTypes: ['*'], description: 'CRM' });
  });

  it("says what each delivery attempt got", () => {
    expect(attemptOutcome({ at: '', statusCode: 204, error: null, durationMs: 3 })).toBe('HTTP 204');
    expect(attemptOutcome({ at: '', statusCode: null, error: 'timed out', durationMs: 10_000 })).toBe('timed out');
    expect(attemptOutcome({ at: '', statusCode: 500, error: 'server error', durationMs: 3 })).toBe('HTTP 500 · server error');
  });
});

describe('webhooks page', () => {
  let fixture: ComponentFixture<WebhooksSettings>;
  let backend: HttpTestingController;
  let page: HTMLElement;

  function open(webhooks: Webhook[] = [CRM, BROKEN]): void {
    localStorage.clear();
    localStorage.setItem('uts.language', 'en');
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    fixture = TestBed.createComponent(WebhooksSettings);
    fixture.detectChanges();
    backend = TestBed.inject(HttpTestingController);
    backend.expectOne('/api/v2/webhooks').flush({ success: true, webhooks });
    fixture.detectChanges();
    page = fixture.nativeElement as HTMLElement;
  }

  const find = <T extends HTMLElement>(testId: string, within: ParentNode = page) =>
    within.querySelector<T>(`[data-testid="${testId}"]`);
  const card = (id: string) => page.querySelector<HTMLElement>(`[data-webhook-id="${id}"]`)!;

  function click(testId: string, within: ParentNode = page): void {
    find<HTMLElement>(testId, within)!.click();
    fixture.detectChanges();
  }

  function type(testId: string, value: string): void {
    typeInto(fixture, find<HTMLInputElement>(testId)!, value);
  }

  it('lists the webhooks; one switched off says why, prominently', () => {
    open();
    expect(page.querySelectorAll('[data-testid="webhook"]').length).toBe(2);
    expect(card('wh-1').textContent).toContain('Ticket created');
    expect(card('wh-1').textContent).toContain('Ticket resolved');
    expect(find('webhook-disabled', card('wh-1'))).toBeNull();
    const off = card('wh-2');
    expect(off.getAttribute('data-enabled')).toBe('false');
    expect(find('webhook-state', off)!.textContent).toContain('Disabled');
    expect(find('webhook-disabled', off)!.getAttribute('role')).toBe('alert');
    expect(find('webhook-disabled-reason', off)!.textContent).toContain('5 deliveries in a row failed; the last: HTTP 503');
    expect(find('webhook-failures', off)!.textContent).toContain('5');
    expect(off.textContent).toContain('All events');
  });

  it('registers a webhook and shows its signing secret once', async () => {
    open([]);
    type('webhook-url-input', 'https://hooks.example.com/uts');
    type('webhook-description', 'Zapier');
    click('new-event-ticket.created');
    click('new-event-ticket.sla_breached');
    click('webhook-create');
    const post = backend.expectOne('/api/v2/webhooks');
    expect(post.request.method).toBe('POST');
    expect(post.request.body).toEqual({
      url: 'https://hooks.example.com/uts',
      eventTypes: ['ticket.created', 'ticket.sla_breached'],
      description: 'Zapier',
    });
    const created: Webhook = { ...CRM, id: 'wh-3', url: 'https://hooks.example.com/uts', eventTypes: ['ticket.created', 'ticket.sla_breached'] };
    post.flush({ success: true, webhook: created, secret: SECRET }, { status: 201, statusText: 'Created' });
    fixture.detectChanges();

    expect(find<HTMLInputElement>('secret-value')!.value).toBe(SECRET);
    expect(find('secret-warning')!.textContent).toContain('you will not see it again');
    expect(card('wh-3')).not.toBeNull();
    const kept = await firstValueFrom(TestBed.inject(WebhooksService).webhooks$);
    expect(JSON.stringify(kept)).not.toContain(SECRET);
    click('secret-dismiss');
    expect(page.innerHTML).not.toContain(SECRET);
  });

  it('"all events" greys out the single ones and sends ["*"]', () => {
    open([]);
    type('webhook-url-input', 'https://hooks.example.com/all');
    click('new-event-all');
    expect(page.querySelector<HTMLFieldSetElement>('[data-testid="new-events"] fieldset')!.disabled).toBe(true);
    click('webhook-create');
    expect(backend.expectOne('/api/v2/webhooks').request.body.eventTypes).toEqual(['*']);
  });

  it("shows a 422 next to the field it names", () => {
    open([]);
    type('webhook-url-input', 'http://10.0.0.1/hook');
    click('new-event-all');
    click('webhook-create');
    backend.expectOne('/api/v2/webhooks').flush(
      {
        success: false,
        error: 'Invalid request: url: private addresses are not allowed',
        details: [{ field: 'url', reason: 'private addresses are not allowed' }],
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    fixture.detectChanges();
    expect(page.querySelector('[data-error-for="url"]')!.textContent).toContain('private addresses are not allowed');
    expect(find('secret-once')).toBeNull();
  });

  it('switches a webhook back on and off with PATCH', () => {
    open();
    click('webhook-toggle', card('wh-2'));
    const enable = backend.expectOne('/api/v2/webhooks/wh-2');
    expect(enable.request.method).toBe('PATCH');
    expect(enable.request.body).toEqual({ enabled: true });
    enable.flush({ success: true, webhook: { ...BROKEN, enabled: true, disabledReason: null, disabledAt: null, failureCount: 0 } });
    fixture.detectChanges();
    expect(find('webhook-disabled', card('wh-2'))).toBeNull();

    click('webhook-toggle', card('wh-1'));
    expect(backend.expectOne('/api/v2/webhooks/wh-1').request.body).toEqual({ enabled: false });
  });

  it('edits the event types with PATCH, showing a 422 on them', () => {
    open();
    click('webhook-edit', card('wh-1'));
    const edit = find<HTMLElement>('webhook-edit-form', card('wh-1'))!;
    expect(find<HTMLInputElement>('edit-event-ticket.created', edit)!.checked).toBe(true);
    click('edit-event-ticket.created', edit);
    click('edit-event-ticket.escalated', edit);
    click('webhook-edit-save', edit);
    const patch = backend.expectOne('/api/v2/webhooks/wh-1');
    expect(patch.request.method).toBe('PATCH');
    expect(patch.request.body).toEqual({ eventTypes: ['ticket.resolved', 'ticket.escalated'] });
    patch.flush(
      { success: false, error: 'Invalid request', details: [{ field: 'eventTypes', reason: 'unknown event type' }] },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    fixture.detectChanges();
    expect(card('wh-1').querySelector('[data-error-for="eventTypes"]')!.textContent).toContain('unknown event type');

    click('webhook-edit-save', card('wh-1'));
    backend.expectOne('/api/v2/webhooks/wh-1').flush({ success: true, webhook: { ...CRM, eventTypes: ['ticket.resolved', 'ticket.escalated'] } });
    fixture.detectChanges();
    expect(find('webhook-edit-form', card('wh-1'))).toBeNull();
    expect(card('wh-1').textContent).toContain('Ticket escalated');
  });

  it('deletes a webhook only after confirming', () => {
    open();
    click('webhook-delete', card('wh-1'));
    backend.expectNone('/api/v2/webhooks/wh-1');
    expect(page.textContent).toContain('Delete the webhook https://crm.example.com/hooks/tickets?');
    click('webhook-delete-confirm');
    const request = backend.expectOne('/api/v2/webhooks/wh-1');
    expect(request.request.method).toBe('DELETE');
    request.flush({ success: true, webhook: CRM });
    fixture.detectChanges();
    expect(page.querySelector('[data-webhook-id="wh-1"]')).toBeNull();
  });

  it('shows the delivery log: status, attempts with code or error and duration, next attempt', () => {
    open();
    click('webhook-log', card('wh-1'));
    const request = backend.expectOne((r) => r.url === '/api/v2/webhooks/wh-1/deliveries');
    expect(request.request.params.get('limit')).toBe('20');
    request.flush({ success: true, webhook: { ...CRM, failureCount: 1 }, deliveries: DELIVERIES });
    fixture.detectChanges();

    const log = find<HTMLElement>('webhook-deliveries', card('wh-1'))!;
    const rows = log.querySelectorAll<HTMLElement>('[data-testid="delivery"]');
    expect(rows.length).toBe(2);
    expect(rows[0].getAttribute('data-status')).toBe('pending');
    expect(find('delivery-status', rows[0])!.textContent).toContain('Pending');
    expect(rows[0].textContent).toContain('connection refused');
    expect(rows[0].textContent).toContain('12 ms');
    expect(find('delivery-next', rows[0])!.textContent).toContain('next attempt');
    expect(rows[1].textContent).toContain('Delivered');
    expect(rows[1].querySelectorAll('[data-testid="delivery-attempt"]').length).toBe(2);
    expect(rows[1].textContent).toContain('HTTP 204');
    expect(rows[1].textContent).toContain('Attempts: 2');
    expect(find('delivery-next', rows[1])).toBeNull();
    // The webhook as the log found it replaces the listed one.
    expect(find('webhook-failures', card('wh-1'))!.textContent).toContain('1');
  });
});
