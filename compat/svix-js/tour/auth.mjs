// auth.mjs tours authentication: app-portal and dashboard tokens (one app
// only), inline application creation by app-portal-access, logout, and
// expire-all.

export async function authentication(ctx) {
	const { t, svix, appUid, wait } = ctx;
	const access = await t.call("authentication.appPortalAccess", () => svix.authentication.appPortalAccess(appUid, { expiry: 3600 }), (a, c) => {
		c.shape("AppPortalAccessOut");
		c.ok(typeof c.body?.token === "string" && c.body.token.length >= 20, `token ${c.body?.token} is too short to be one`);
		c.ok(isURL(c.body?.url), `url ${c.body?.url} is not a URL`);
	});
	const portal = ctx.clientFor(access?.token ?? "no-token");
	await t.call("application.get (with the app-portal token)", () => portal.application.get(appUid), (a, c) => {
		c.shape("ApplicationOut");
		c.eq("id", c.body?.id, ctx.appId);
	});
	await t.call("endpoint.list (with the app-portal token)", () => portal.endpoint.list(appUid), (l, c) => {
		c.shape("ListResponseEndpointOut");
		c.eq("endpoints", c.items.length, ctx.endpointIds.size - 1); // scratch was deleted
	});
	const tenant2 = `${appUid}-tenant2`;
	await t.call("application.create (another tenant)", () => svix.application.create({ name: "Tenant 2", uid: tenant2 }), (a, c) => c.status(201));
	await t.callFails("application.get (another app, with the app-portal token)", () => portal.application.get(tenant2), (err, c) => c.status(401, 403, 404));
	await t.call("authentication.logout (the app-portal token)", () => portal.authentication.logout(), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	await t.callFails("application.get (with the logged-out token)", () => portal.application.get(appUid), (err, c) => c.status(401));
	await t.callFails("authentication.logout (the admin token: refused, as documented)", () => svix.authentication.logout(), (err, c) => c.status(400));

	const created = `${appUid}-portal`;
	await t.call(
		"authentication.appPortalAccess (inline application, new uid)",
		() => svix.authentication.appPortalAccess(created, { application: { name: "Portal", uid: created } }),
		(a, c) => c.shape("AppPortalAccessOut"),
	);
	await t.call("application.get (the app app-portal-access created)", () => svix.application.get(created), (a, c) => {
		c.shape("ApplicationOut");
		c.eq("name", c.body?.name, "Portal");
	});

	const dash = await t.call("authentication.dashboardAccess", () => svix.authentication.dashboardAccess(appUid), (a, c) => {
		c.shape("DashboardAccessOut");
		c.ok(isURL(c.body?.url), `url ${c.body?.url} is not a URL`);
	});
	const dashClient = ctx.clientFor(dash?.token ?? "no-token");
	await t.call("application.get (with the dashboard token)", () => dashClient.application.get(appUid), (a, c) => c.eq("id", c.body?.id, ctx.appId));
	await t.call("authentication.expireAll (expiry: 0)", () => svix.authentication.expireAll(appUid, { expiry: 0 }), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	const within = t.lastOk ? wait : 0;
	await t.callFails("application.get (with a token expireAll expired)", () => dashClient.application.get(appUid), (err, c) => c.status(401), { within });
}

function isURL(s) {
	try {
		new URL(s);
		return true;
	} catch {
		return false;
	}
}
