import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';

import { Answer, Body } from '../core/api';
import { Priority, SlaState, Ticket, TicketPage, TicketStats, TicketStatus } from '../core/models';
import { ReportFigure } from './report-figure';

export type SortBy = 'createdAt' | 'updatedAt' | 'priority' | 'status' | 'ticketId' | 'relevance' | 'slaDue';

export interface TicketQuery {
  page: number;
  limit: number;
  /** Several values of a filter are sent comma-separated (`status=open,in_progress`). */
  status?: TicketStatus | TicketStatus[] | '';
  priority?: Priority | Priority[] | '';
  category?: string | string[];
  /** An agent id, or `unassigned` (issue 11's filter value); several (sent comma-separated):
   * any of them. */
  assignedAgent?: string | string[];
  customerId?: string;
  conversationId?: string;
  /** One SLA state or several (sent comma-separated: `breached,warning`). */
  slaState?: SlaState | SlaState[] | '';
  search?: string;
  isEscalated?: boolean;
  /** Ticket sources (sent comma-separated). */
  source?: string[];
  /** Channels of the conversations the tickets were reported in (sent comma-separated). */
  channel?: string[];
  /** The tickets behind a report's figure within `figureFrom`..`figureTo` (inclusive). */
  figure?: ReportFigure;
  figureFrom?: string;
  figureTo?: string;
  /** Inclusive bounds of the creation and resolution times (ISO 8601). */
  createdFrom?: string;
  createdTo?: string;
  resolvedFrom?: string;
  resolvedTo?: string;
  sortBy?: SortBy | '';
  sortOrder?: 'asc' | 'desc';
}

export type NewTicket = Body<'/api/v2/tickets', 'post'>;
/** A `PUT /tickets/{id}` (the version it expects is added by `update`). */
export type TicketChanges = Omit<Body<'/api/v2/tickets/{ticket_id}', 'put'>, 'expectedVersion'>;
type OneTicket = Answer<'/api/v2/tickets/{ticket_id}', 'get'>;
type Verb = 'status' | 'assign' | 'resolve' | 'escalate' | 'feedback';
type Action<V extends Verb> = Body<`/api/v2/tickets/{ticket_id}/${V}`, 'post'>;
export type BulkRequest = Body<'/api/v2/tickets/bulk', 'post'>;
export type BulkAction = BulkRequest['action'];
export type BulkFilter = NonNullable<BulkRequest['filter']>;
export type BulkAnswer = Omit<Answer<'/api/v2/tickets/bulk', 'post'>, 'success'>;
export type BulkItem = BulkAnswer['results'][number];
/** The most tickets one bulk action changes (the gateway's cap). */
export const MAX_BULK = 500;
export type AddedNote = Omit<Answer<'/api/v2/tickets/{ticket_id}/notes', 'post'>, 'success'>;

const BASE = '/api/v2/tickets';

/** Query string of `GET /tickets`: only the filters that are set (the API rejects empty ones). */
export function listParams(query: TicketQuery): HttpParams {
  let params = new HttpParams();
  for (const [key, value] of Object.entries(query)) {
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text !== undefined && text !== null && text !== '') {
      params = params.set(key, String(text).trim());
    }
  }
  return params;
}

/** The tickets API (HTTP only; live changes come from the SocketService). */
@Injectable({ providedIn: 'root' })
export class TicketService {
  private readonly http = inject(HttpClient);

  list(query: TicketQuery): Observable<TicketPage> {
    return this.http.get<Answer<'/api/v2/tickets', 'get'>>(BASE, { params: listParams(query) });
  }

  byCustomer(customerId: string, page = 1, limit = 20): Observable<TicketPage> {
    const params = { page, limit };
    const url = `/api/v2/customers/${encodeURIComponent(customerId)}/tickets`;
    return this.http.get<Answer<'/api/v2/customers/{customer_id}/tickets', 'get'>>(url, { params });
  }

  byConversation(conversationId: string, page = 1, limit = 20): Observable<TicketPage> {
    const params = { page, limit };
    const url = `/api/v2/conversations/${encodeURIComponent(conversationId)}/tickets`;
    return this.http.get<Answer<'/api/v2/conversations/{conversation_id}/tickets', 'get'>>(url, { params });
  }

  stats(agentId?: string): Observable<TicketStats> {
    const params: Record<string, string> = agentId ? { agentId } : {};
    return this.http
      .get<Answer<'/api/v2/tickets/stats/summary', 'get'>>(`${BASE}/stats/summary`, { params })
      .pipe(map((answer) => answer.stats));
  }

  get(ticketId: string): Observable<Ticket> {
    return this.one(this.http.get<OneTicket>(this.url(ticketId)));
  }

  create(ticket: NewTicket, idempotencyKey: string): Observable<Ticket> {
    const headers = { 'Idempotency-Key': idempotencyKey };
    return this.one(this.http.post<Answer<'/api/v2/tickets', 'post'>>(BASE, ticket, { headers }));
  }

  update(ticketId: string, changes: TicketChanges, expectedVersion: number): Observable<Ticket> {
    const body: Body<'/api/v2/tickets/{ticket_id}', 'put'> = { ...changes, expectedVersion };
    return this.one(this.http.put<Answer<'/api/v2/tickets/{ticket_id}', 'put'>>(this.url(ticketId), body));
  }

  changeStatus(ticket: Ticket, status: TicketStatus, reason?: string): Observable<Ticket> {
    const body: Action<'status'> = { status, reason: reason || null, expectedVersion: ticket.version };
    return this.action(ticket.ticketId, 'status', body);
  }

  assign(ticket: Ticket, agentId: string): Observable<Ticket> {
    const body: Action<'assign'> = { agentId, expectedVersion: ticket.version };
    return this.action(ticket.ticketId, 'assign', body);
  }

  resolve(ticket: Ticket, resolutionNotes: string): Observable<Ticket> {
    const body: Action<'resolve'> = { resolutionNotes, expectedVersion: ticket.version };
    return this.action(ticket.ticketId, 'resolve', body);
  }

  escalate(ticketId: string, toAgentId: string, reason: string): Observable<Ticket> {
    const body: Action<'escalate'> = { toAgentId, reason };
    return this.action(ticketId, 'escalate', body);
  }

  feedback(ticketId: string, rating: number, comment: string): Observable<Ticket> {
    const body: Action<'feedback'> = { rating, comment: comment || null };
    return this.action(ticketId, 'feedback', body);
  }

  /** A note; a public one with `sendToCustomer` also goes to the customer as a message. */
  addNote(ticketId: string, content: string, isInternal: boolean, sendToCustomer = false): Observable<AddedNote> {
    const body: Body<'/api/v2/tickets/{ticket_id}/notes', 'post'> = { content, isInternal, sendToCustomer };
    return this.http.post<Answer<'/api/v2/tickets/{ticket_id}/notes', 'post'>>(`${this.url(ticketId)}/notes`, body);
  }

  /** One action on the tickets named, or on all matching `filter` (the first MAX_BULK). */
  bulk(request: BulkRequest): Observable<BulkAnswer> {
    return this.http.post<Answer<'/api/v2/tickets/bulk', 'post'>>(`${BASE}/bulk`, request);
  }

  private action<V extends Verb>(ticketId: string, verb: V, body: Action<V>): Observable<Ticket> {
    return this.one(this.http.post<Answer<`/api/v2/tickets/{ticket_id}/${V}`, 'post'>>(`${this.url(ticketId)}/${verb}`, body));
  }

  private one(answer: Observable<OneTicket>): Observable<Ticket> {
    return answer.pipe(map((body) => body.ticket));
  }

  private url(ticketId: string): string {
    return `${BASE}/${encodeURIComponent(ticketId)}`;
  }
}
