// Runs once per Release (scheduled: "@release"): where a real app would migrate its database.
console.log(`migrating for release at ${new Date().toISOString()}`);
