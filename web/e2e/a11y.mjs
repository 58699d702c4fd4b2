// What the end-to-end test checks beyond features: the Content-Security-Policy is never violated,
// axe-core finds nothing serious, and the keyboard reaches the controls with a visible focus.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** The axe impacts that fail the test. */
const FAILING = new Set(['serious', 'critical']);

/**
 * Records every CSP violation of every page of `context`: the `securitypolicyviolation` event
 * (reported through a binding, which the policy does not govern) and Chromium's console errors
 * about the policy. Returns the live list.
 */
export async function watchCsp(context) {
	const violations = [];
	await context.exposeBinding('__cloudctlCspViolation', ({ page }, v) => violations.push({ page: page.url(), ...v }));
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) =>
			window.__cloudctlCspViolation({
				directive: e.violatedDirective,
				blocked: e.blockedURI,
				source: `${e.sourceFile}:${e.lineNumber}`,
				sample: e.sample
			})
		);
	});
	const onPage = (page) =>
		page.on('console', (m) => {
			if (m.type() === 'error' && /content security policy|refused to (load|execute|apply|connect)/i.test(m.text())) {
				violations.push({ page: page.url(), console: m.text() });
			}
		});
	context.pages().forEach(onPage);
	context.on('page', onPage);
	return violations;
}

/**
 * Runs axe-core on the page as it is; returns the serious and critical violations, one line each
 * with its rule, impact, help and the first offending elements. With `report`, every violation
 * (minor and moderate too) is written to that JSON file.
 */
export async function audit(page, report) {
	if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
	const violations = await page.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			nodes: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, ' ')})` : ''}`)
		}));
	});
	if (report) writeFileSync(report, JSON.stringify(violations, null, 1));
	return violations
		.filter((v) => FAILING.has(v.impact))
		.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.length} element(s): ${v.nodes.slice(0, 3).join('; ')}`);
}

/** What the focused element is, for the Tab-order check. */
function describeFocus() {
	const el = document.activeElement;
	if (!el || el === document.body) return null;
	const style = getComputedStyle(el);
	const first = document.querySelector('[data-service] a[aria-label^="Access"]');
	return {
		key: el.id === 'search' ? 'search'
			: el.matches('[data-testid^="view-"]') ? 'view toggle'
			: el.matches('[data-testid="theme-toggle"]') ? 'theme toggle'
			: el === first ? 'first Access'
			: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} ${(el.textContent ?? '').trim().slice(0, 20)}`,
		// A visible focus: an outline that is drawn, or a focus ring drawn as a box shadow.
		visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none',
		outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`
	};
}

/**
 * Presses Tab from the top of the page until each of `wanted` (keys of describeFocus) has had
 * the focus; fails when one is never reached or has no visible focus style. Returns the order.
 */
export async function tabOrder(page, wanted, maxTabs = 60) {
	await page.evaluate(() => {
		document.activeElement?.blur();
		window.scrollTo(0, 0);
	});
	const order = [];
	const missing = new Set(wanted);
	for (let i = 0; i < maxTabs && missing.size > 0; i++) {
		await page.keyboard.press('Tab');
		const f = await page.evaluate(describeFocus);
		if (!f) continue;
		order.push(f.key);
		if (missing.has(f.key)) {
			if (!f.visible) throw new Error(`${f.key} has the focus but no visible focus style (outline: ${f.outline})`);
			missing.delete(f.key);
		}
	}
	if (missing.size > 0) throw new Error(`Tab never reached ${[...missing].join(', ')}; order: ${order.join(' → ')}`);
	return order;
}
