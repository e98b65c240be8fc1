import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';

import { Answer } from '../core/api';
import { Conversation } from '../core/models';

const BASE = '/api/v2/conversations';

/** Conversations API (read-only for the console). */
@Injectable({ providedIn: 'root' })
export class ConversationService {
  private readonly http = inject(HttpClient);

  get(id: string): Observable<Conversation> {
    return this.http
      .get<Answer<'/api/v2/conversations/{conversation_id}', 'get'>>(`${BASE}/${encodeURIComponent(id)}`)
      .pipe(map((answer) => answer.conversation));
  }

  ofCustomer(customerId: string): Observable<Conversation[]> {
    return this.http
      .get<Answer<'/api/v2/conversations', 'get'>>(BASE, { params: { customerId, limit: 100 } })
      .pipe(map((answer) => answer.conversations));
  }
}
