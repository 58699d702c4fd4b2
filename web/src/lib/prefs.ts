// Choices remembered in the browser: the theme (light, dark, or following the system) and the
// services view (cards or list). static/theme.js applies the theme before the first paint.

export type Theme = 'light' | 'dark' | 'system';
export type View = 'cards' | 'list';

const THEME = 'cloudctl.theme';
const VIEW = 'cloudctl.view';
const TOKEN = 'cloudctl.token';

function read(key: string): string | null {
	try {
		return localStorage.getItem(key);
	} catch {
		return null;
	}
}

function write(key: string, value: string | null) {
	try {
		if (value == null) localStorage.removeItem(key);
		else localStorage.setItem(key, value);
	} catch {
		// private mode: the choice lasts for this page only
	}
}

export function loadTheme(): Theme {
	const t = read(THEME);
	return t === 'light' || t === 'dark' ? t : 'system';
}

export function saveTheme(theme: Theme) {
	write(THEME, theme === 'system' ? null : theme);
	if (theme === 'system') delete document.documentElement.dataset.theme;
	else document.documentElement.dataset.theme = theme;
}

/** The theme in effect now (the system's when none is chosen). */
export function effectiveTheme(theme: Theme): 'light' | 'dark' {
	if (theme !== 'system') return theme;
	return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function loadView(): View {
	return read(VIEW) === 'list' ? 'list' : 'cards';
}

export function saveView(view: View) {
	write(VIEW, view);
}

/** A hub read token lives for the browser session only. */
export function loadToken(): string | null {
	try {
		return sessionStorage.getItem(TOKEN);
	} catch {
		return null;
	}
}

export function saveToken(token: string | null) {
	try {
		if (token) sessionStorage.setItem(TOKEN, token);
		else sessionStorage.removeItem(TOKEN);
	} catch {
		// ignored: asked again next time
	}
}
