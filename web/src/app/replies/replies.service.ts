import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map, tap } from 'rxjs';

import { Answer, Body } from '../core/api';
import { components } from '../core/api.gen';
import { Ticket } from '../core/models';

type Schemas = components['schemas'];

/** A saved reply (`{customerName}`-style variables as written); `shared`: every agent's,
 * managed by admins; else `ownerId`'s own. */
export type CannedReply = Schemas['CannedReply'];
/** A set of actions applied to a ticket as one change. */
export type Macro = Schemas['Macro'];
export type MacroActions = Schemas['MacroActions-Output'];
export type NewCannedReply = Body<'/api/v2/canned-replies', 'post'>;
export type CannedReplyChanges = Body<'/api/v2/canned-replies/{reply_id}', 'patch'>;
export type NewMacro = Body<'/api/v2/macros', 'post'>;
export type MacroChanges = Body<'/api/v2/macros/{macro_id}', 'patch'>;
/** What a macro did: the ticket after it and the changes made, in the macro's order. */
export type MacroApplied = Omit<Answer<'/api/v2/tickets/{ticket_id}/macros/{macro_id}', 'post'>, 'success'>;
export type MacroChange = MacroApplied['changes'][number];

/** The variables a reply or a macro's texts may hold, in the order the editor lists them. */
export const REPLY_VARIABLES = ['customerName', 'ticketId', 'subject', 'ticketSingular', 'ticketPlural', 'customerNoun', 'agentNoun', 'agentName'] as const;

const REPLIES = '/api/v2/canned-replies';
const MACROS = '/api/v2/macros';

/** Canned replies and macros: the agent's own and the shared ones, kept here once read (the
 * composer's picker and the ticket page's macros menu share them). */
@Injectable({ providedIn: 'root' })
export class RepliesService {
  private readonly http = inject(HttpClient);
  private readonly replies = new BehaviorSubject<CannedReply[] | null>(null);
  private readonly macros = new BehaviorSubject<Macro[] | null>(null);

  readonly replies$ = this.replies.asObservable();
  readonly macros$ = this.macros.asObservable();

  /** The replies, read once (and again after each change made here). */
  loadReplies(): void {
    if (this.replies.value === null) this.refreshReplies().subscribe({ error: () => this.replies.next([]) });
  }

  loadMacros(): void {
    if (this.macros.value === null) this.refreshMacros().subscribe({ error: () => this.macros.next([]) });
  }

  refreshReplies(): Observable<CannedReply[]> {
    return this.http.get<Answer<'/api/v2/canned-replies', 'get'>>(REPLIES).pipe(
      map((answer) => answer.replies),
      tap((replies) => this.replies.next(replies)),
    );
  }

  refreshMacros(): Observable<Macro[]> {
    return this.http.get<Answer<'/api/v2/macros', 'get'>>(MACROS).pipe(
      map((answer) => answer.macros),
      tap((macros) => this.macros.next(macros)),
    );
  }

  createReply(body: NewCannedReply): Observable<CannedReply> {
    return this.http.post<Answer<'/api/v2/canned-replies', 'post'>>(REPLIES, body).pipe(map((a) => a.reply), tap(() => this.reread('replies')));
  }

  updateReply(id: string, changes: CannedReplyChanges): Observable<CannedReply> {
    return this.http.patch<Answer<'/api/v2/canned-replies/{reply_id}', 'patch'>>(`${REPLIES}/${encodeURIComponent(id)}`, changes).pipe(map((a) => a.reply), tap(() => this.reread('replies')));
  }

  deleteReply(id: string): Observable<CannedReply> {
    return this.http.delete<Answer<'/api/v2/canned-replies/{reply_id}', 'delete'>>(`${REPLIES}/${encodeURIComponent(id)}`).pipe(map((a) => a.reply), tap(() => this.reread('replies')));
  }

  /** The reply's text for `ticketId`, its variables filled by the server. */
  render(id: string, ticketId: string): Observable<string> {
    const url = `${REPLIES}/${encodeURIComponent(id)}/render`;
    return this.http.post<Answer<'/api/v2/canned-replies/{reply_id}/render', 'post'>>(url, { ticketId }).pipe(map((a) => a.text));
  }

  createMacro(body: NewMacro): Observable<Macro> {
    return this.http.post<Answer<'/api/v2/macros', 'post'>>(MACROS, body).pipe(map((a) => a.macro), tap(() => this.reread('macros')));
  }

  updateMacro(id: string, changes: MacroChanges): Observable<Macro> {
    return this.http.patch<Answer<'/api/v2/macros/{macro_id}', 'patch'>>(`${MACROS}/${encodeURIComponent(id)}`, changes).pipe(map((a) => a.macro), tap(() => this.reread('macros')));
  }

  deleteMacro(id: string): Observable<Macro> {
    return this.http.delete<Answer<'/api/v2/macros/{macro_id}', 'delete'>>(`${MACROS}/${encodeURIComponent(id)}`).pipe(map((a) => a.macro), tap(() => this.reread('macros')));
  }

  /** Apply `macroId` to the ticket as it was read (`If-Match`: a ticket changed since is refused). */
  apply(ticket: Ticket, macroId: string): Observable<MacroApplied> {
    const url = `/api/v2/tickets/${encodeURIComponent(ticket.ticketId)}/macros/${encodeURIComponent(macroId)}`;
    const headers = { 'If-Match': `"${ticket.version}"` };
    return this.http.post<Answer<'/api/v2/tickets/{ticket_id}/macros/{macro_id}', 'post'>>(url, null, { headers });
  }

  private reread(which: 'replies' | 'macros'): void {
    const again: Observable<unknown> = which === 'replies' ? this.refreshReplies() : this.refreshMacros();
    again.subscribe({ error: () => undefined });
  }
}
