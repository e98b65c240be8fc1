import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

/** What an API token may do (the gateway's `api_token_rules.Scope`), in the order shown. */
export const SCOPES = ['tickets:read', 'tickets:write', 'customers:write', 'ai:tools'] as const;
export type Scope = (typeof SCOPES)[number];

/** An API token as admins see it (`ApiTokenView`): never its secret. */
export interface ApiToken {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** `POST /api-tokens`'s answer: the token itself, this once, and its entry. */
export interface CreatedApiToken {
  token: string;
  apiToken: ApiToken;
}

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
    return this.http.get<{ apiTokens: ApiToken[] }>(BASE).pipe(
      map((answer) => answer.apiTokens),
      tap((tokens) => this.state.next(tokens)),
    );
  }

  create(name: string, scopes: Scope[]): Observable<CreatedApiToken> {
    return this.http
      .post<{ token: string; apiToken: ApiToken }>(BASE, { name, scopes })
      .pipe(
        map(({ token, apiToken }) => ({ token, apiToken })),
        tap(({ apiToken }) => this.state.next([...this.state.value, apiToken])),
      );
  }

  revoke(id: string): Observable<ApiToken> {
    return this.http.delete<{ apiToken: ApiToken }>(`${BASE}/${encodeURIComponent(id)}`).pipe(
      map((answer) => answer.apiToken),
      tap((revoked) => this.state.next(this.state.value.map((token) => (token.id === revoked.id ? revoked : token)))),
    );
  }
}
