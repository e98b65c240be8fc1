import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

import { AuthService } from './auth.service';
import { Answer, Body } from './api';
import { AgentProfile, DirectoryEntry } from './models';

export type NewAgent = Body<'/api/v2/agents', 'post'>;

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

  create(agent: NewAgent): Observable<AgentProfile> {
    return this.http.post<Answer<'/api/v2/agents', 'post'>>('/api/v2/agents', agent).pipe(
      map((answer) => answer.agent),
      tap(() => this.refresh()),
    );
  }
}
