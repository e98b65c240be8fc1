import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';

import { Note, Priority, SlaState, Ticket, TicketPage, TicketStats, TicketStatus } from '../core/models';

export type SortBy = 'createdAt' | 'updatedAt' | 'priority' | 'status' | 'ticketId' | 'relevance';

export interface TicketQuery {
  page: number;
  limit: number;
  status?: TicketStatus | '';
  priority?: Priority | '';
  category?: string;
  /** An agent id, or `unassigned` (issue 11's filter value). */
  assignedAgent?: string;
  customerId?: string;
  conversationId?: string;
  /** One SLA state or several (sent comma-separated: `breached,warning`). */
  slaState?: SlaState | SlaState[] | '';
  search?: string;
  sortBy?: SortBy | '';
  sortOrder?: 'asc' | 'desc';
}

export interface NewTicket {
  subject: string;
  description: string;
  category: string;
  subcategory: string | null;
  priority: Priority;
  tags: string[];
  customerId: string;
  conversationId: string | null;
}

export type TicketChanges = Partial<Omit<NewTicket, 'customerId' | 'conversationId'>>;

const BASE = '/api/v2/tickets';

/** Query string of `GET /tickets`: only the filters that are set (the API rejects empty ones). */
export function listParams(query: TicketQuery): HttpParams {
  let params = new HttpParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') {
      params = params.set(key, String(value).trim());
    }
  }
  return params;
}

/** The tickets API (HTTP only; live changes come from the SocketService). */
@Injectable({ providedIn: 'root' })
export class TicketService {
  private readonly http = inject(HttpClient);

  list(query: TicketQuery): Observable<TicketPage> {
    return this.http.get<TicketPage>(BASE, { params: listParams(query) });
  }

  byCustomer(customerId: string, page = 1, limit = 20): Observable<TicketPage> {
    const params = { page, limit };
    return this.http.get<TicketPage>(`/api/v2/customers/${encodeURIComponent(customerId)}/tickets`, { params });
  }

  byConversation(conversationId: string, page = 1, limit = 20): Observable<TicketPage> {
    const params = { page, limit };
    const url = `/api/v2/conversations/${encodeURIComponent(conversationId)}/tickets`;
    return this.http.get<TicketPage>(url, { params });
  }

  stats(agentId?: string): Observable<TicketStats> {
    const params: Record<string, string> = agentId ? { agentId } : {};
    return this.http
      .get<{ stats: TicketStats }>(`${BASE}/stats/summary`, { params })
      .pipe(map((answer) => answer.stats));
  }

  get(ticketId: string): Observable<Ticket> {
    return this.one(this.http.get<{ ticket: Ticket }>(this.url(ticketId)));
  }

  create(ticket: NewTicket, idempotencyKey: string): Observable<Ticket> {
    const headers = { 'Idempotency-Key': idempotencyKey };
    return this.one(this.http.post<{ ticket: Ticket }>(BASE, ticket, { headers }));
  }

  update(ticketId: string, changes: TicketChanges, expectedVersion: number): Observable<Ticket> {
    return this.one(this.http.put<{ ticket: Ticket }>(this.url(ticketId), { ...changes, expectedVersion }));
  }

  changeStatus(ticket: Ticket, status: TicketStatus, reason?: string): Observable<Ticket> {
    const body = { status, reason: reason || null, expectedVersion: ticket.version };
    return this.action(ticket.ticketId, 'status', body);
  }

  assign(ticket: Ticket, agentId: string): Observable<Ticket> {
    return this.action(ticket.ticketId, 'assign', { agentId, expectedVersion: ticket.version });
  }

  resolve(ticket: Ticket, resolutionNotes: string): Observable<Ticket> {
    const body = { resolutionNotes, expectedVersion: ticket.version };
    return this.action(ticket.ticketId, 'resolve', body);
  }

  escalate(ticketId: string, toAgentId: string, reason: string): Observable<Ticket> {
    return this.action(ticketId, 'escalate', { toAgentId, reason });
  }

  feedback(ticketId: string, rating: number, comment: string): Observable<Ticket> {
    return this.action(ticketId, 'feedback', { rating, comment: comment || null });
  }

  addNote(ticketId: string, content: string, isInternal: boolean): Observable<{ ticket: Ticket; note: Note }> {
    return this.http.post<{ ticket: Ticket; note: Note }>(`${this.url(ticketId)}/notes`, { content, isInternal });
  }

  private action(ticketId: string, verb: string, body: object): Observable<Ticket> {
    return this.one(this.http.post<{ ticket: Ticket }>(`${this.url(ticketId)}/${verb}`, body));
  }

  private one(answer: Observable<{ ticket: Ticket }>): Observable<Ticket> {
    return answer.pipe(map((body) => body.ticket));
  }

  private url(ticketId: string): string {
    return `${BASE}/${encodeURIComponent(ticketId)}`;
  }
}
