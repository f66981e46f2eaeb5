// basics.mjs tours event types and applications, the resources everything
// else hangs from.

import { ids, listAll, names } from "./util.mjs";

export async function eventTypesAndApps(ctx) {
	await eventTypes(ctx);
	await applications(ctx);
}

async function eventTypes(ctx) {
	const { t, svix, types } = ctx;
	const schemas = {
		1: {
			type: "object",
			properties: { id: { type: "string" }, plan: { type: "string" } },
			required: ["id"],
			examples: [ctx.example],
		},
	};
	await t.call(
		"eventType.create (with a schema and its example)",
		() => svix.eventType.create({ name: types.userCreated, description: "A user signed up", schemas }),
		(et, c) => {
			c.status(201);
			c.shape("EventTypeOut");
			c.eq("name", c.body?.name, types.userCreated);
			c.eq("description", c.body?.description, "A user signed up");
			c.eq("schemas", c.body?.schemas, schemas);
			c.eq("deprecated", c.body?.deprecated, false);
		},
	);
	for (const [name, description] of [
		[types.userDeleted, "A user left"],
		[types.invoicePaid, "An invoice was paid"],
		[types.scratch, "Archived by the tour"],
		[types.gone, "Expunged by the tour"],
	]) {
		await t.call(`eventType.create ${name.replace(/^tour\w+\./, "")}`, () => svix.eventType.create({ name, description }), (et, c) => {
			c.status(201);
			c.shape("EventTypeOut");
			c.eq("name", c.body?.name, name);
		});
	}
	await t.call("eventType.get", () => svix.eventType.get(types.userCreated), (et, c) => {
		c.shape("EventTypeOut");
		c.eq("schemas", c.body?.schemas, schemas);
	});
	await t.call(
		"eventType.update",
		() => svix.eventType.update(types.userDeleted, { description: "A user closed their account" }),
		(et, c) => {
			c.shape("EventTypeOut");
			c.eq("description", c.body?.description, "A user closed their account");
		},
	);
	await t.call("eventType.patch", () => svix.eventType.patch(types.userDeleted, { deprecated: true }), (et, c) => {
		c.shape("EventTypeOut");
		c.eq("deprecated", c.body?.deprecated, true);
		c.eq("description (kept by a patch)", c.body?.description, "A user closed their account");
	});
	await t.call("eventType.delete (archives)", () => svix.eventType.delete(types.scratch), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	await t.call("eventType.get (an archived type)", () => svix.eventType.get(types.scratch), (et, c) => {
		c.shape("EventTypeOut");
		c.eq("archived", c.body?.archived, true);
	});
	await t.call("eventType.delete (expunge: true)", () => svix.eventType.delete(types.gone, { expunge: true }), (_, c) => c.status(204));
	await t.callFails("eventType.get (an expunged type)", () => svix.eventType.get(types.gone), (err, c) => c.status(404));

	const ours = (list) => list.filter((et) => et.name.startsWith(`tour${ctx.run}.`));
	await t.call("eventType.list (pages of 2, by name)", async () => {
		const first = await svix.eventType.list({ limit: 2 });
		return [first, await svix.eventType.list({ limit: 2, iterator: first.iterator })];
	}, ([first, second], c) => {
		for (const b of c.bodies) c.shape("ListResponseEventTypeOut", b);
		c.eq("first page's size", first.data.length, 2);
		c.eq("first page done", first.done, false);
		c.ok(second.data.length > 0, "the second page is empty");
		c.ok(isSorted(names(c.items)) && new Set(names(c.items)).size === c.items.length, `names not ascending across the pages: ${names(c.items).join(", ")}`);
	});
	await t.call(
		"eventType.list (archived and schemas left out)",
		() => listAll((iterator) => svix.eventType.list({ limit: 250, iterator })),
		(pages, c) => {
			const mine = ours(c.items);
			c.eq("names", names(mine), [types.invoicePaid, types.userCreated, types.userDeleted]);
			for (const et of mine) c.ok(et.schemas == null, `${et.name} has schemas without withContent`);
		},
	);
	await t.call(
		"eventType.list (includeArchived, withContent)",
		() => listAll((iterator) => svix.eventType.list({ limit: 250, iterator, includeArchived: true, withContent: true })),
		(pages, c) => {
			const mine = ours(c.items);
			c.eq("names", names(mine), [types.invoicePaid, types.scratch, types.userCreated, types.userDeleted]);
			c.eq("archived of the archived type", mine.find((et) => et.name === types.scratch)?.archived, true);
			c.eq("schemas of user.created", mine.find((et) => et.name === types.userCreated)?.schemas, schemas);
		},
	);
}

function isSorted(list) {
	return list.every((x, i) => i === 0 || list[i - 1] <= x);
}

async function applications(ctx) {
	const { t, svix, appUid } = ctx;
	const app = await t.call(
		"application.create",
		() => svix.application.create({ name: "Tour", uid: appUid, metadata: { team: "tour" }, rateLimit: 500 }),
		(app, c) => {
			c.status(201);
			c.shape("ApplicationOut");
			c.ok(c.body?.id?.startsWith("app_"), `id ${c.body?.id} does not start with app_`);
			c.eq("name", c.body?.name, "Tour");
			c.eq("uid", c.body?.uid, appUid);
			c.eq("metadata", c.body?.metadata, { team: "tour" });
			c.eq("rateLimit", c.body?.rateLimit, 500);
		},
	);
	ctx.appId = app?.id;
	await t.call("application.getOrCreate (existing uid)", () => svix.application.getOrCreate({ name: "Ignored", uid: appUid }), (got, c) => {
		c.status(200);
		c.shape("ApplicationOut");
		c.eq("id", c.body?.id, ctx.appId);
		c.eq("name (the existing app's)", c.body?.name, "Tour");
	});
	const otherUid = `${appUid}-other`;
	const other = await t.call("application.getOrCreate (new uid)", () => svix.application.getOrCreate({ name: "Other", uid: otherUid }), (got, c) => {
		c.status(201);
		c.shape("ApplicationOut");
		c.eq("uid", c.body?.uid, otherUid);
	});
	await t.call("application.get (by uid)", () => svix.application.get(appUid), (got, c) => {
		c.shape("ApplicationOut");
		c.eq("id", c.body?.id, ctx.appId);
	});
	await t.call("application.get (by id)", () => svix.application.get(ctx.appId ?? appUid), (got, c) => {
		c.shape("ApplicationOut");
		c.eq("uid", c.body?.uid, appUid);
	});
	await t.call(
		"application.update",
		() => svix.application.update(appUid, { name: "Tour 2", uid: appUid, metadata: { team: "tour", tier: "gold" } }),
		(got, c) => {
			c.shape("ApplicationOut");
			c.eq("name", c.body?.name, "Tour 2");
			c.eq("metadata", c.body?.metadata, { team: "tour", tier: "gold" });
			c.ok(c.body?.rateLimit == null, `rateLimit ${c.body?.rateLimit} after a PUT without it, want none`);
		},
	);
	await t.call("application.patch", () => svix.application.patch(appUid, { name: "Tour 3" }), (got, c) => {
		c.shape("ApplicationOut");
		c.eq("name", c.body?.name, "Tour 3");
		c.eq("metadata (kept by a patch)", c.body?.metadata, { team: "tour", tier: "gold" });
	});
	const mine = (list) => list.filter((a) => a.uid === appUid || a.uid === otherUid).map((a) => a.uid);
	await t.call("application.list (pages of 1, ascending by default)", async () => {
		const first = await svix.application.list({ limit: 1 });
		return [first, await svix.application.list({ limit: 1, iterator: first.iterator })];
	}, ([first, second], c) => {
		for (const b of c.bodies) c.shape("ListResponseApplicationOut", b);
		c.eq("first page's size", first.data.length, 1);
		c.eq("first page done", first.done, false);
		c.eq("second page's size", second.data.length, 1);
		c.ok(first.data[0]?.id < second.data[0]?.id, `IDs ${ids(c.items).join(", ")} are not ascending`);
	});
	await t.call(
		"application.list (every page)",
		() => listAll((iterator) => svix.application.list({ limit: 250, iterator })),
		(pages, c) => c.eq("our apps, in order", mine(c.items), [appUid, otherUid]),
	);
	await t.call("application.list (order: descending)", () => svix.application.list({ order: "descending", limit: 250 }), (list, c) => {
		c.shape("ListResponseApplicationOut");
		c.eq("our apps, in order", mine(c.body?.data ?? []), [otherUid, appUid]);
	});
	await t.call("application.delete", () => svix.application.delete(other?.id ?? otherUid), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	await t.callFails("application.get (a deleted app)", () => svix.application.get(otherUid), (err, c) => c.status(404));
}
