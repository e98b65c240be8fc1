// What each gateway operation takes and answers, from the generated document types: a service
// names the operation (`Answer<'/api/v2/tickets/{ticket_id}', 'get'>`), so a route or answer
// that changes in the API fails the console's build instead of its users.

import { paths } from './api.gen';

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
/** Created (201) when the operation creates, else OK (200). */
type Success<Responses> = Responses extends { 201: infer Created } ? Created : Responses extends { 200: infer Ok } ? Ok : never;

/** The JSON body a successful call of `method path` answers (`{success: true, ...}`). */
export type Answer<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: infer R } ? Json<Success<R>> : never;

/** The JSON body `method path` takes. */
export type Body<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;
