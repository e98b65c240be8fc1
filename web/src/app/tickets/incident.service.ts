import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';

import { Answer, Body } from '../core/api';
import { Ticket } from '../core/models';

export type SimilarTicket = Answer<'/api/v2/tickets/{ticket_id}/similar', 'get'>['tickets'][number];
export type LinkType = Body<'/api/v2/tickets/{ticket_id}/links', 'post'>['type'];

const BASE = '/api/v2/tickets';

function url(ticketId: string): string {
  return `${BASE}/${encodeURIComponent(ticketId)}`;
}

/** Merges, links, problems and their incidents, similar tickets (HTTP only). */
@Injectable({ providedIn: 'root' })
export class IncidentService {
  private readonly http = inject(HttpClient);

  similar(ticketId: string): Observable<SimilarTicket[]> {
    return this.http
      .get<Answer<'/api/v2/tickets/{ticket_id}/similar', 'get'>>(`${url(ticketId)}/similar`)
      .pipe(map((body) => body.tickets));
  }

  /** Merge `ticketId` into `into`; answers the survivor. */
  merge(ticketId: string, into: string): Observable<Ticket> {
    const body: Body<'/api/v2/tickets/{ticket_id}/merge', 'post'> = { into };
    return this.http
      .post<Answer<'/api/v2/tickets/{ticket_id}/merge', 'post'>>(`${url(ticketId)}/merge`, body)
      .pipe(map((answer) => answer.ticket));
  }

  /** Make `incidentIds` incidents of the problem `problemId`; answers the problem. */
  linkIncidents(problemId: string, incidentIds: string[]): Observable<Ticket> {
    const body: Body<'/api/v2/tickets/{ticket_id}/incidents', 'post'> = { ticketIds: incidentIds };
    return this.http
      .post<Answer<'/api/v2/tickets/{ticket_id}/incidents', 'post'>>(`${url(problemId)}/incidents`, body)
      .pipe(map((answer) => answer.ticket));
  }

  link(ticketId: string, otherId: string, type: LinkType): Observable<Ticket> {
    const body: Body<'/api/v2/tickets/{ticket_id}/links', 'post'> = { ticketId: otherId, type };
    return this.http
      .post<Answer<'/api/v2/tickets/{ticket_id}/links', 'post'>>(`${url(ticketId)}/links`, body)
      .pipe(map((answer) => answer.ticket));
  }

  /** Remove the link between the two (an incident leaves its problem). */
  unlink(ticketId: string, otherId: string): Observable<Ticket> {
    return this.http
      .delete<Answer<'/api/v2/tickets/{ticket_id}/links/{other_id}', 'delete'>>(`${url(ticketId)}/links/${encodeURIComponent(otherId)}`)
      .pipe(map((answer) => answer.ticket));
  }
}
