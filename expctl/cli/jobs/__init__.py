"""One module per job that reads, decides and writes (gh's ``xxxRun``): apply, export,
promote, results, history, sizing, report. A job takes its options and its dependencies
(the API areas it uses, confirm and progress hooks) and returns a value; it never prints
and never imports typer, a command module or the render layer. Commands parse, call one
job and render what it returns."""
