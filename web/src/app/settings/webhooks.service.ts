import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

import { Answer, Body } from '../core/api';
import { components } from '../core/api.gen';

type Schemas = components['schemas'];

/** The ticket events a webhook may ask for (the tickets contracts' `EVENTS`), in the order shown. */
export const EVENT_TYPES = [
  'ticket.created',
  'ticket.updated',
  'ticket.assigned',
  'ticket.note_added',
  'ticket.resolved',
  'ticket.escalated',
  'ticket.sla_warning',
  'ticket.sla_breached',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** `["*"]`: every ticket event, those added later too. */
export const EVERY_EVENT = '*';

/** A subscription as admins see it (`WebhookSubscription`): never its secret. `disabledReason`:
 * why it is off (repeated failures with the last one, a 410 Gone, or an admin); `failureCount`:
 * deliveries in a row that failed for good. */
export type Webhook = Schemas['WebhookSubscription'];

/** One try of a delivery: `statusCode` null when no answer came (see `error`). */
export type DeliveryAttempt = Schemas['DeliveryAttempt'];

/** One event for one webhook: pending until a 2xx, failed once retries are spent; `attempts`:
 * the latest, oldest first (`attemptCount` counts every one). */
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type DeliveryStatus = WebhookDelivery['status'];

export type NewWebhook = Body<'/api/v2/webhooks', 'post'>;
export type WebhookChanges = Body<'/api/v2/webhooks/{webhook_id}', 'patch'>;

/** `POST /webhooks`'s answer: the signing secret, this once, and the subscription. */
export type CreatedWebhook = Omit<Answer<'/api/v2/webhooks', 'post'>, 'success'>;

export type DeliveryLog = Omit<Answer<'/api/v2/webhooks/{webhook_id}/deliveries', 'get'>, 'success'>;

const BASE = '/api/v2/webhooks';

/** Outbound webhooks (admins only). The list is kept here; the secret a create answers is handed
 * to the caller and never kept. */
@Injectable({ providedIn: 'root' })
export class WebhooksService {
  private readonly http = inject(HttpClient);
  private readonly state = new BehaviorSubject<Webhook[]>([]);

  readonly webhooks$ = this.state.asObservable();

  /** Every webhook, oldest first. */
  refresh(): Observable<Webhook[]> {
    return this.http.get<Answer<'/api/v2/webhooks', 'get'>>(BASE).pipe(
      map((answer) => answer.webhooks),
      tap((webhooks) => this.state.next(webhooks)),
    );
  }

  create(webhook: NewWebhook): Observable<CreatedWebhook> {
    return this.http.post<Answer<'/api/v2/webhooks', 'post'>>(BASE, webhook).pipe(
      map(({ webhook: created, secret }) => ({ webhook: created, secret })),
      tap(({ webhook: created }) => this.state.next([...this.state.value, created])),
    );
  }

  update(id: string, changes: WebhookChanges): Observable<Webhook> {
    return this.http.patch<Answer<'/api/v2/webhooks/{webhook_id}', 'patch'>>(this.url(id), changes).pipe(
      map((answer) => answer.webhook),
      tap((webhook) => this.replace(webhook)),
    );
  }

  remove(id: string): Observable<Webhook> {
    return this.http.delete<Answer<'/api/v2/webhooks/{webhook_id}', 'delete'>>(this.url(id)).pipe(
      map((answer) => answer.webhook),
      tap((gone) => this.state.next(this.state.value.filter((webhook) => webhook.id !== gone.id))),
    );
  }

  /** The latest deliveries, newest first; the webhook as it is now comes along (a switch-off
   * since the list was read shows at once). */
  deliveries(id: string, limit = 20): Observable<DeliveryLog> {
    return this.http.get<Answer<'/api/v2/webhooks/{webhook_id}/deliveries', 'get'>>(`${this.url(id)}/deliveries`, { params: { limit } }).pipe(
      map(({ webhook, deliveries }) => ({ webhook, deliveries })),
      tap(({ webhook }) => this.replace(webhook)),
    );
  }

  private replace(changed: Webhook): void {
    this.state.next(this.state.value.map((webhook) => (webhook.id === changed.id ? changed : webhook)));
  }

  private url(id: string): string {
    return `${BASE}/${encodeURIComponent(id)}`;
  }
}
