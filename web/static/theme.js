// Applies the remembered theme before the first paint (no flash of the wrong theme). The
// choice is 'light', 'dark' or absent (follow the system); see src/lib/prefs.ts.
try {
	var t = localStorage.getItem('cloudctl.theme');
	if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
} catch (e) {}
