import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Router } from '@angular/router';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

import { Answer, Body } from './api';
import { AgentProfile } from './models';

const TOKEN_KEY = 'uts.token';
const AGENT_KEY = 'uts.agent';

/** The signed-in agent and its bearer token, kept for the browser session (sessionStorage). */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);
  private readonly agentState = new BehaviorSubject<AgentProfile | null>(readAgent());

  readonly agent$ = this.agentState.asObservable();

  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
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
        sessionStorage.setItem(TOKEN_KEY, result.token);
        sessionStorage.setItem(AGENT_KEY, JSON.stringify(result.agent));
        this.agentState.next(result.agent);
      }),
      map((result) => result.agent),
    );
  }

  /** Forget the session; `reason` is shown on the sign-in screen (e.g. `expired`). */
  logout(reason?: 'expired'): void {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(AGENT_KEY);
    this.agentState.next(null);
    const queryParams = reason ? { reason } : {};
    void this.router.navigate(['/login'], { queryParams });
  }
}

function readAgent(): AgentProfile | null {
  if (!sessionStorage.getItem(TOKEN_KEY)) return null;
  try {
    return JSON.parse(sessionStorage.getItem(AGENT_KEY) ?? 'null') as AgentProfile | null;
  } catch {
    return null;
  }
}
