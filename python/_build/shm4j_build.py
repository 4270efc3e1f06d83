"""The PEP 517 build backend of the shm4j Python package: standard library only, so that
``pip install ./python`` works in a fresh venv with nothing to download (no setuptools or wheel
needed, e.g. Debian 12's venv: pip 23, setuptools 66, no wheel; no PyPI). It builds a pure-Python
wheel of the package ``shm4j`` (with the ``shm4j-py`` command) and an sdist; editable installs
(``pip install -e``) put the source directory on ``sys.path``."""
import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NAME = "shm4j"
_TAG = "py3-none-any"


def _version():
    with open(os.path.join(_ROOT, _NAME, "__init__.py"), encoding="utf-8") as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


def _metadata():
    with open(os.path.join(_ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
            "Summary: Share a live JSON object between processes (Python and Java) through shared memory; "
            "standard library only.\nRequires-Python: >=3.9\nClassifier: Programming Language :: Python :: 3\n"
            "Classifier: Operating System :: POSIX :: Linux\nDescription-Content-Type: text/markdown\n\n%s"
            % (_NAME, _version(), readme))


_ENTRY_POINTS = "[console_scripts]\nshm4j-py = shm4j.cli:main\n"


def _dist_info():
    return "%s-%s.dist-info" % (_NAME, _version())


def _package_files():
    package = os.path.join(_ROOT, _NAME)
    return sorted(n for n in os.listdir(package) if n.endswith(".py"))


class _Wheel:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.record = []

    def add(self, name, data):
        data = data.encode("utf-8") if isinstance(data, str) else data
        self.zip.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.record.append("%s,sha256=%s,%d" % (name, digest, len(data)))

    def close(self):
        info = _dist_info()
        self.add(info + "/METADATA", _metadata())
        self.add(info + "/WHEEL", "Wheel-Version: 1.0\nGenerator: shm4j_build\nRoot-Is-Purelib: true\nTag: %s\n" % _TAG)
        self.add(info + "/entry_points.txt", _ENTRY_POINTS)
        record = info + "/RECORD"
        self.zip.writestr(record, "\n".join(self.record + [record + ",,"]) + "\n")
        self.zip.close()


def _wheel_name():
    return "%s-%s-%s.whl" % (_NAME, _version(), _TAG)


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    path = os.path.join(metadata_directory, _dist_info())
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    with open(os.path.join(path, "entry_points.txt"), "w", encoding="utf-8") as f:
        f.write(_ENTRY_POINTS)
    return _dist_info()


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel = _Wheel(os.path.join(wheel_directory, _wheel_name()))
    for name in _package_files():
        with open(os.path.join(_ROOT, _NAME, name), "rb") as f:
            wheel.add("%s/%s" % (_NAME, name), f.read())
    wheel.close()
    return _wheel_name()


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    wheel = _Wheel(os.path.join(wheel_directory, _wheel_name()))
    wheel.add("_%s_editable.pth" % _NAME, _ROOT + "\n")
    wheel.close()
    return _wheel_name()


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (_NAME, _version())
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        members = ["pyproject.toml", "README.md", "_build/shm4j_build.py"] + ["%s/%s" % (_NAME, n) for n in _package_files()]
        for member in members:
            tar.add(os.path.join(_ROOT, member), arcname="%s/%s" % (base, member))
        pkg_info = _metadata().encode("utf-8")
        info = tarfile.TarInfo("%s/PKG-INFO" % base)
        info.size = len(pkg_info)
        tar.addfile(info, io.BytesIO(pkg_info))
    return name
