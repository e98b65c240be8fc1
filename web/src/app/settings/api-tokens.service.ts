import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

import { Answer, Body } from '../core/api';
import { components } from '../core/api.gen';

/** What an API token may do (the gateway's `api_token_rules.Scope`). */
export type Scope = components['schemas']['Scope'];
/** Every scope, in the order shown: a scope the API adds fails the build here until placed. */
const SHOWN: Record<Scope, true> = { 'tickets:read': true, 'tickets:write': true, 'customers:write': true, 'ai:tools': true };
export const SCOPES = Object.keys(SHOWN) as Scope[];

/** An API token as admins see it (`ApiTokenView`): never its secret. */
export type ApiToken = components['schemas']['ApiTokenView'];

/** `POST /api-tokens`'s answer: the token itself, this once, and its entry. */
export type CreatedApiToken = Omit<Answer<'/api/v2/api-tokens', 'post'>, 'success'>;

const BASE = '/api/v2/api-tokens';

/** API tokens for integrating systems (admins only). The list is kept here; the token a create
 * answers is handed to the caller and never kept. */
@Injectable({ providedIn: 'root' })
export class ApiTokensService {
  private readonly http = inject(HttpClient);
  private readonly state = new BehaviorSubject<ApiToken[]>([]);

  readonly tokens$ = this.state.asObservable();

  /** Every token, oldest first, revoked ones included. */
  refresh(): Observable<ApiToken[]> {
    return this.http.get<Answer<'/api/v2/api-tokens', 'get'>>(BASE).pipe(
      map((answer) => answer.apiTokens),
      tap((tokens) => this.state.next(tokens)),
    );
  }

  create(name: string, scopes: Scope[]): Observable<CreatedApiToken> {
    const body: Body<'/api/v2/api-tokens', 'post'> = { name, scopes };
    return this.http
      .post<Answer<'/api/v2/api-tokens', 'post'>>(BASE, body)
      .pipe(
        map(({ token, apiToken }) => ({ token, apiToken })),
        tap(({ apiToken }) => this.state.next([...this.state.value, apiToken])),
      );
  }

  revoke(id: string): Observable<ApiToken> {
    return this.http.delete<Answer<'/api/v2/api-tokens/{token_id}', 'delete'>>(`${BASE}/${encodeURIComponent(id)}`).pipe(
      map((answer) => answer.apiToken),
      tap((revoked) => this.state.next(this.state.value.map((token) => (token.id === revoked.id ? revoked : token)))),
    );
  }
}
