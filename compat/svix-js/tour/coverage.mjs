// coverage.mjs keeps the tour honest about "every method": it wraps an SDK
// client so each method called is noted, and lists every method the SDK
// has, so the tour fails when a method (a new one in a newer SDK, say) is
// never called.

// members lists what an SDK object offers: its resources (the getters of
// its class: application, endpoint, ...; inside them sub-resources such
// as message.poller) and its methods.
function members(obj) {
	const proto = Object.getPrototypeOf(obj);
	const out = [];
	for (const name of Object.getOwnPropertyNames(proto)) {
		if (name === "constructor") continue;
		const d = Object.getOwnPropertyDescriptor(proto, name);
		if (d.get) out.push({ name, kind: "resource" });
		else if (typeof d.value === "function") out.push({ name, kind: "method" });
	}
	return out;
}

// sdkMethods lists every method reachable from a client, as
// "resource.method" or "resource.sub.method".
export function sdkMethods(client) {
	const out = [];
	const walk = (obj, prefix) => {
		for (const m of members(obj)) {
			const path = prefix ? `${prefix}.${m.name}` : m.name;
			if (m.kind === "resource") walk(obj[m.name], path);
			else if (prefix) out.push(path);
		}
	};
	walk(unwrap.get(client) ?? client, "");
	return out.sort();
}

const unwrap = new WeakMap();

// track returns client wrapped so that calling any method adds its path
// to called.
export function track(client, called, prefix = "") {
	const proxy = new Proxy(client, {
		get(target, prop) {
			const value = Reflect.get(target, prop);
			if (typeof prop !== "string") return value;
			const path = prefix ? `${prefix}.${prop}` : prop;
			if (typeof value === "function") {
				return (...args) => {
					called.add(path);
					return value.apply(target, args);
				};
			}
			if (value && typeof value === "object" && Object.getPrototypeOf(value) !== Object.prototype) {
				return track(value, called, path);
			}
			return value;
		},
	});
	unwrap.set(proxy, client);
	return proxy;
}
