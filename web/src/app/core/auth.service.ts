import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Router } from '@angular/router';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

import { Answer, Body } from './api';
import { AgentProfile } from './models';

const TOKEN_KEY = 'uts.token';
const AGENT_KEY = 'uts.agent';

/** Where signing in leads when nothing else was asked for (never named as a `returnUrl`). */
export const LANDING = '/tickets';

/** Where to go after signing in: a path of this console only (`/tickets/LUX-1?x=y`), never
 * another site (`//host`, `/\host`, `https://…`) nor the sign-in screen itself. */
export function safeReturnUrl(url: string | null | undefined): string | null {
  if (!url || !/^\/(?![/\\])/.test(url) || /[\u0000-\u001f]/.test(url)) return null;
  if (url === '/' || url.startsWith('/login')) return null;
  return url;
}

/** The signed-in agent and its bearer token, kept in localStorage: shared by the browser's
 * tabs (a link opened in a new tab needs no second sign-in), and a sign-out in one tab ends
 * the others (the `storage` event other tabs receive). */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);
  private readonly agentState = new BehaviorSubject<AgentProfile | null>(readAgent());

  readonly agent$ = this.agentState.asObservable();

  constructor() {
    window.addEventListener('storage', (event) => this.changedElsewhere(event));
  }

  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  }

  get agent(): AgentProfile | null {
    return this.agentState.value;
  }

  get isAdmin(): boolean {
    return this.agent?.role === 'admin';
  }

  login(email: string, password: string): Observable<AgentProfile> {
    const body: Body<'/api/v2/auth/login', 'post'> = { email, password };
    return this.http.post<Answer<'/api/v2/auth/login', 'post'>>('/api/v2/auth/login', body).pipe(
      tap((result) => {
        // The agent first: another tab told of the new token finds it already there.
        localStorage.setItem(AGENT_KEY, JSON.stringify(result.agent));
        localStorage.setItem(TOKEN_KEY, result.token);
        this.agentState.next(result.agent);
      }),
      map((result) => result.agent),
    );
  }

  /** Forget the session (in every tab); `reason` is shown on the sign-in screen (e.g.
   * `expired`), `returnUrl` is where signing in again leads. */
  logout(reason?: 'expired', returnUrl?: string): void {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(AGENT_KEY);
    this.signedOut(reason, returnUrl);
  }

  private signedOut(reason?: 'expired', returnUrl?: string): void {
    this.agentState.next(null);
    const queryParams: Record<string, string> = {};
    if (reason) queryParams['reason'] = reason;
    const back = safeReturnUrl(returnUrl);
    if (back && back !== LANDING) queryParams['returnUrl'] = back;
    void this.router.navigate(['/login'], { queryParams });
  }

  /** Another tab signed out (this one follows) or signed in as someone else. */
  private changedElsewhere(event: StorageEvent): void {
    if (event.storageArea !== localStorage || (event.key !== TOKEN_KEY && event.key !== null)) return;
    const agent = readAgent();
    if (agent === null) {
      if (this.agentState.value !== null) this.signedOut();
    } else if (agent.id !== this.agentState.value?.id) {
      this.agentState.next(agent);
    }
  }
}

function readAgent(): AgentProfile | null {
  if (!localStorage.getItem(TOKEN_KEY)) return null;
  try {
    return JSON.parse(localStorage.getItem(AGENT_KEY) ?? 'null') as AgentProfile | null;
  } catch {
    return null;
  }
}
