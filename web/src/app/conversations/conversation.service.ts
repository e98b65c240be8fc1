import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map, of, switchMap } from 'rxjs';

import { Answer, Body } from '../core/api';
import { Conversation, Handler, Message, Pagination } from '../core/models';

const BASE = '/api/v2/conversations';

/** Which conversations a list shows: every one, those one handler answers, those waiting. */
export type ConversationFilter = 'all' | 'assistant' | 'agent' | 'waiting';

export interface ConversationPage {
  conversations: Conversation[];
  pagination: Pagination;
}

/** Query parameters of a filter (`waiting`: the customer wrote last, no answer yet). */
export function filterParams(filter: ConversationFilter): Record<string, string> {
  if (filter === 'waiting') return { waiting: 'true' };
  if (filter === 'all') return {};
  return { handledBy: filter };
}

/** Conversations API: the conversations, their messages, replies and handoffs. */
@Injectable({ providedIn: 'root' })
export class ConversationService {
  private readonly http = inject(HttpClient);

  private url(id: string): string {
    return `${BASE}/${encodeURIComponent(id)}`;
  }

  get(id: string): Observable<Conversation> {
    return this.http.get<Answer<'/api/v2/conversations/{conversation_id}', 'get'>>(this.url(id)).pipe(map((answer) => answer.conversation));
  }

  ofCustomer(customerId: string): Observable<Conversation[]> {
    return this.http
      .get<Answer<'/api/v2/conversations', 'get'>>(BASE, { params: { customerId, limit: 100 } })
      .pipe(map((answer) => answer.conversations));
  }

  list(filter: ConversationFilter, page: number, limit: number): Observable<ConversationPage> {
    return this.http
      .get<Answer<'/api/v2/conversations', 'get'>>(BASE, { params: { ...filterParams(filter), page, limit } })
      .pipe(map((answer) => ({ conversations: answer.conversations, pagination: answer.pagination })));
  }

  /** The newest `limit` messages, oldest first (the last page holds the newest). */
  messages(id: string, limit = 100): Observable<Message[]> {
    type Page = Answer<'/api/v2/conversations/{conversation_id}/messages', 'get'>;
    const page = (number: number, size: number) => this.http.get<Page>(`${this.url(id)}/messages`, { params: { page: number, limit: size } });
    return page(1, limit).pipe(
      switchMap((first) => {
        const last = Math.max(1, Math.ceil(first.pagination.total / limit));
        return last === 1 ? of(first) : page(last, limit);
      }),
      map((answer) => answer.messages),
    );
  }

  /** The agent's reply, for the channel system to deliver (pending until it reports). */
  reply(id: string, text: string, key: string): Observable<Message> {
    const body: Body<'/api/v2/conversations/{conversation_id}/messages', 'post'> = { direction: 'outbound', text };
    return this.http
      .post<Answer<'/api/v2/conversations/{conversation_id}/messages', 'post'>>(`${this.url(id)}/messages`, body, { headers: { 'Idempotency-Key': key } })
      .pipe(map((answer) => answer.message));
  }

  handOff(id: string, to: Handler, agentId: string | null = null): Observable<Conversation> {
    const body: Body<'/api/v2/conversations/{conversation_id}/handoff', 'post'> = agentId ? { to, agentId } : { to };
    return this.http
      .post<Answer<'/api/v2/conversations/{conversation_id}/handoff', 'post'>>(`${this.url(id)}/handoff`, body)
      .pipe(map((answer) => answer.conversation));
  }
}
