from os1.cli.main import run

run()
