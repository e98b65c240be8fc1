import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

import { AuthService } from './auth.service';
import { Answer, Body } from './api';
import { AgentProfile, DirectoryEntry } from './models';

export type NewAgent = Body<'/api/v2/agents', 'post'>;
export type AgentChanges = Body<'/api/v2/agents/{agent_id}', 'patch'>;

/** The agent directory (`GET /agents`), loaded once per session: names for agent ids. */
@Injectable({ providedIn: 'root' })
export class AgentsService {
  private readonly http = inject(HttpClient);
  private readonly state = new BehaviorSubject<DirectoryEntry[]>([]);

  readonly agents$ = this.state.asObservable();
  readonly active$ = this.agents$.pipe(map((agents) => agents.filter((agent) => agent.active)));

  constructor() {
    inject(AuthService).agent$.subscribe((agent) => (agent ? this.refresh() : this.state.next([])));
  }

  refresh(): void {
    this.http
      .get<Answer<'/api/v2/agents', 'get'>>('/api/v2/agents')
      .subscribe({ next: (answer) => this.state.next(answer.agents), error: () => undefined });
  }

  /** "First Last" for an id, or a short form of the id while unknown. */
  name(id: string | null | undefined): string {
    if (!id) return '';
    const agent = this.state.value.find((entry) => entry.id === id);
    return agent ? `${agent.firstName} ${agent.lastName}`.trim() : id.slice(0, 8);
  }

  /** Name and role (admins only; a new role ends the agent's sessions). */
  edit(id: string, changes: AgentChanges): Observable<AgentProfile> {
    return this.http.patch<Answer<'/api/v2/agents/{agent_id}', 'patch'>>(this.url(id), changes).pipe(
      map((answer) => answer.agent),
      tap(() => this.refresh()),
    );
  }

  /** Deactivate (no sign-in, no assignments) or reactivate. */
  setActive(id: string, active: boolean): Observable<AgentProfile> {
    const url = `${this.url(id)}/${active ? 'reactivate' : 'deactivate'}`;
    return this.http.post<Answer<'/api/v2/agents/{agent_id}/deactivate', 'post'>>(url, {}).pipe(
      map((answer) => answer.agent),
      tap(() => this.refresh()),
    );
  }

  /** A new password for another agent (its sessions end). */
  resetPassword(id: string, password: string): Observable<AgentProfile> {
    const body: Body<'/api/v2/agents/{agent_id}/password', 'post'> = { password };
    return this.http
      .post<Answer<'/api/v2/agents/{agent_id}/password', 'post'>>(`${this.url(id)}/password`, body)
      .pipe(map((answer) => answer.agent));
  }

  private url(id: string): string {
    return `/api/v2/agents/${encodeURIComponent(id)}`;
  }

  create(agent: NewAgent): Observable<AgentProfile> {
    return this.http.post<Answer<'/api/v2/agents', 'post'>>('/api/v2/agents', agent).pipe(
      map((answer) => answer.agent),
      tap(() => this.refresh()),
    );
  }
}
