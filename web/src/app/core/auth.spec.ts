import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, UrlTree, provideRouter } from '@angular/router';

import { adminGuard, authGuard } from './auth.guard';
import { authInterceptor } from './auth.interceptor';
import { AuthService, safeReturnUrl } from './auth.service';
import { AgentProfile } from './models';

const AGENT: AgentProfile = {
  id: 'a1',
  email: 'ana@example.com',
  firstName: 'Ana',
  lastName: 'Agent',
  role: 'agent',
  active: true,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: null,
};

function setUp(): { auth: AuthService; http: HttpClient; backend: HttpTestingController; router: Router } {
  TestBed.configureTestingModule({
    providers: [
      provideRouter([]),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
    ],
  });
  return {
    auth: TestBed.inject(AuthService),
    http: TestBed.inject(HttpClient),
    backend: TestBed.inject(HttpTestingController),
    router: TestBed.inject(Router),
  };
}

function signIn(auth: AuthService, backend: HttpTestingController, agent: AgentProfile = AGENT): void {
  auth.login(agent.email, 'secret').subscribe();
  backend.expectOne('/api/v2/auth/login').flush({ success: true, token: 'jwt-1', agent });
}

describe('signing in', () => {
  beforeEach(() => localStorage.clear());

  it('keeps the token and the agent for every tab of the browser', () => {
    const { auth, backend } = setUp();
    signIn(auth, backend);
    expect(auth.token).toBe('jwt-1');
    expect(auth.agent?.firstName).toBe('Ana');
    expect(JSON.parse(localStorage.getItem('uts.agent') ?? 'null').id).toBe('a1');
  });

  it('sends the bearer token on API calls', () => {
    const { auth, http, backend } = setUp();
    signIn(auth, backend);
    http.get('/api/v2/tickets').subscribe();
    expect(backend.expectOne('/api/v2/tickets').request.headers.get('Authorization')).toBe('Bearer jwt-1');
  });

  it('sends any 401 back to the sign-in screen with the reason', () => {
    const { auth, http, backend, router } = setUp();
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    signIn(auth, backend);
    http.get('/api/v2/tickets').subscribe({ error: () => undefined });
    backend.expectOne('/api/v2/tickets').flush({ success: false, error: 'Token expired' }, { status: 401, statusText: 'Unauthorized' });
    expect(auth.agent).toBeNull();
    expect(auth.token).toBeNull();
    expect(navigate).toHaveBeenCalledWith(['/login'], { queryParams: { reason: 'expired' } });
  });

  it('comes back to the page the session ended on, after signing in again', () => {
    const { auth, http, backend, router } = setUp();
    vi.spyOn(router, 'url', 'get').mockReturnValue('/tickets/LUX-1?tab=activity');
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    signIn(auth, backend);
    http.get('/api/v2/tickets').subscribe({ error: () => undefined });
    backend.expectOne('/api/v2/tickets').flush({ success: false, error: 'Token expired' }, { status: 401, statusText: 'Unauthorized' });
    expect(navigate).toHaveBeenCalledWith(['/login'], {
      queryParams: { reason: 'expired', returnUrl: '/tickets/LUX-1?tab=activity' },
    });
  });

  it('follows a sign-out made in another tab', () => {
    const { auth, backend, router } = setUp();
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    signIn(auth, backend);
    localStorage.removeItem('uts.token');
    window.dispatchEvent(new StorageEvent('storage', { key: 'uts.token', storageArea: localStorage }));
    expect(auth.agent).toBeNull();
    expect(navigate).toHaveBeenCalledWith(['/login'], { queryParams: {} });
  });

  it('does not treat a wrong password as an ended session', () => {
    const { auth, backend, router } = setUp();
    const navigate = vi.spyOn(router, 'navigate');
    auth.login('ana@example.com', 'wrong').subscribe({ error: () => undefined });
    backend.expectOne('/api/v2/auth/login').flush({ success: false, error: 'Invalid credentials' }, { status: 401, statusText: 'Unauthorized' });
    expect(navigate).not.toHaveBeenCalled();
  });
});

describe('route guards', () => {
  beforeEach(() => localStorage.clear());

  function run(guard: typeof authGuard): boolean | UrlTree {
    return TestBed.runInInjectionContext(() => guard({} as never, {} as never)) as boolean | UrlTree;
  }

  it('sends visitors who are not signed in to the sign-in screen', () => {
    const { router } = setUp();
    expect(router.serializeUrl(run(authGuard) as UrlTree)).toBe('/login');
  });

  it('sends agents who are not admins from Settings to the tickets list', () => {
    const { auth, backend, router } = setUp();
    signIn(auth, backend);
    expect(run(authGuard)).toBe(true);
    expect(router.serializeUrl(run(adminGuard) as UrlTree)).toBe('/tickets');
  });

  it('sends visitors to the sign-in screen with the page they asked for', () => {
    const { router } = setUp();
    const tree = TestBed.runInInjectionContext(() => authGuard({} as never, { url: '/tickets/LUX-7' } as never)) as UrlTree;
    expect(router.serializeUrl(tree)).toBe('/login?returnUrl=%2Ftickets%2FLUX-7');
    const landing = TestBed.runInInjectionContext(() => authGuard({} as never, { url: '/tickets' } as never)) as UrlTree;
    expect(router.serializeUrl(landing)).toBe('/login');
  });

  it('lets admins into Settings', () => {
    const { auth, backend } = setUp();
    signIn(auth, backend, { ...AGENT, role: 'admin' });
    expect(run(adminGuard)).toBe(true);
  });
});

describe('where signing in leads', () => {
  it('keeps paths of this console', () => {
    expect(safeReturnUrl('/tickets/LUX-1')).toBe('/tickets/LUX-1');
    expect(safeReturnUrl('/tickets?status=open,in_progress')).toBe('/tickets?status=open,in_progress');
  });

  it('never leads to another site or back to the sign-in screen', () => {
    for (const url of ['https://evil.example.com', '//evil.example.com', '/\\evil.example.com', 'javascript:alert(1)', '/login?x=1', '', null]) {
      expect(safeReturnUrl(url)).toBeNull();
    }
  });
});
