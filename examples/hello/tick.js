// Runs every five minutes (a cron Component).
console.log(`tick at ${new Date().toISOString()}`);
