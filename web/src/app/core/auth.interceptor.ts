import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';

import { AuthService } from './auth.service';

const LOGIN_URL = '/api/v2/auth/login';

/** Bearer token on every API call; any 401 (expired or revoked token) ends the session, and
 * signing in again comes back to the page it happened on. */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  const token = auth.token;
  const isLogin = request.url === LOGIN_URL;
  const authorised =
    token && !isLogin ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : request;
  return next(authorised).pipe(
    catchError((error: unknown) => {
      if (error instanceof HttpErrorResponse && error.status === 401 && !isLogin) {
        auth.logout('expired', pageAsked(router));
      }
      return throwError(() => error);
    }),
  );
};

/** The page the agent is on, or on the way to (a deep link still loading when its first call
 * was refused: the router's address is still the one before it). */
function pageAsked(router: Router): string {
  const navigation = router.currentNavigation();
  return navigation ? router.serializeUrl(navigation.finalUrl ?? navigation.extractedUrl) : router.url;
}
