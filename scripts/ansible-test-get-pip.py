# Stand-in for the get-pip.py that ansible-test downloads from a host that is
# not reachable from our machines: bootstrap pip with the interpreter's own
# ensurepip, then install the pip version ansible-test asked for from PyPI.
# scripts/test.sh puts it where ansible-test looks for its cached copy.
import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet'] + args)
