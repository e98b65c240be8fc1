import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';

import { Conversation, Pagination } from '../core/models';

const BASE = '/api/v2/conversations';

/** Conversations API (read-only for the console). */
@Injectable({ providedIn: 'root' })
export class ConversationService {
  private readonly http = inject(HttpClient);

  get(id: string): Observable<Conversation> {
    return this.http
      .get<{ conversation: Conversation }>(`${BASE}/${encodeURIComponent(id)}`)
      .pipe(map((answer) => answer.conversation));
  }

  ofCustomer(customerId: string): Observable<Conversation[]> {
    return this.http
      .get<{ conversations: Conversation[]; pagination: Pagination }>(BASE, { params: { customerId, limit: 100 } })
      .pipe(map((answer) => answer.conversations));
  }
}
