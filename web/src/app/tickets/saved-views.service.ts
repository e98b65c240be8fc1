import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

import { Answer, Body } from '../core/api';
import { components } from '../core/api.gen';

/** A list address kept under a name: the agent's own, or shared by an admin with everyone. */
export type SavedView = components['schemas']['SavedView'];
export type NewView = Body<'/api/v2/views', 'post'>;

const BASE = '/api/v2/views';

/** The caller's saved views and the shared ones (own first, each by name). */
@Injectable({ providedIn: 'root' })
export class SavedViewsService {
  private readonly http = inject(HttpClient);
  private readonly state = new BehaviorSubject<SavedView[]>([]);

  readonly views$ = this.state.asObservable();

  refresh(): Observable<SavedView[]> {
    return this.http.get<Answer<'/api/v2/views', 'get'>>(BASE).pipe(
      map((answer) => answer.views),
      tap((views) => this.state.next(views)),
    );
  }

  create(view: NewView): Observable<SavedView> {
    return this.http.post<Answer<'/api/v2/views', 'post'>>(BASE, view).pipe(
      map((answer) => answer.view),
      tap((created) => this.state.next(ordered([...this.state.value, created]))),
    );
  }

  remove(id: string): Observable<SavedView> {
    return this.http.delete<Answer<'/api/v2/views/{view_id}', 'delete'>>(`${BASE}/${encodeURIComponent(id)}`).pipe(
      map((answer) => answer.view),
      tap((gone) => this.state.next(this.state.value.filter((view) => view.id !== gone.id))),
    );
  }
}

/** Own views first, then the shared ones, each by name (as the server answers them). */
export function ordered(views: SavedView[]): SavedView[] {
  return [...views].sort((a, b) => Number(a.shared) - Number(b.shared) || a.name.localeCompare(b.name));
}
