"""Build glue for ``pip install .``: the Swift engine, then the CPython extension.

1. ``swift build -c release --product CausalFairEngine -Xswiftc -static-stdlib`` in a
   scratch folder of its own (``.build-wheel``), so the Swift runtime is linked into
   ``libCausalFairEngine.so`` and the wheel imports without a Swift toolchain.
2. ``libCausalFairEngine.so`` is copied into the package folder, next to the extension.
3. ``causalfair._engine`` is compiled from ``CPythonShim/_engine.c`` and linked with
   ``-L<package folder> -lCausalFairEngine`` and rpath ``$ORIGIN`` only. SwiftPM sets no
   SONAME, so linking with ``-l`` (not a full path) is what makes NEEDED read
   ``libCausalFairEngine.so``.

Environment: ``SWIFT`` (the swift executable; default: ``swift`` on PATH, then
``/opt/swift/usr/bin/swift``), ``CAUSALFAIR_SWIFT_SCRATCH`` (default ``.build-wheel``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
PRODUCT = "CausalFairEngine"
LIBRARY = f"lib{PRODUCT}.so"


def find_swift() -> str:
    candidates = [os.environ.get("SWIFT"), shutil.which("swift"), "/opt/swift/usr/bin/swift"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    sys.exit(
        "causalfair: the Swift toolchain is needed to build from source, and no `swift` "
        "was found (looked on PATH, $SWIFT and /opt/swift/usr/bin/swift)."
    )


class BuildEngineThenExtension(build_ext):
    """Builds the Swift product, places it next to the extension, links against it."""

    def run(self) -> None:
        self.engine_lib = self.build_swift_engine()
        super().run()

    def build_swift_engine(self) -> str:
        swift = find_swift()
        scratch = os.environ.get("CAUSALFAIR_SWIFT_SCRATCH", os.path.join(ROOT, ".build-wheel"))
        args = [
            swift, "build", "-c", "release", "--product", PRODUCT,
            "--scratch-path", scratch, "-Xswiftc", "-static-stdlib",
        ]
        print("causalfair: " + " ".join(args), flush=True)
        subprocess.check_call(args, cwd=ROOT)
        bin_dir = subprocess.check_output(
            args[:-2] + ["--show-bin-path"], cwd=ROOT, text=True
        ).strip().splitlines()[-1]
        lib = os.path.join(bin_dir, LIBRARY)
        if not os.path.isfile(lib):
            sys.exit(f"causalfair: swift build finished but {lib} does not exist")
        return lib

    def build_extensions(self) -> None:
        # Python's own LDSHARED may carry -Wl,-rpath,<its prefix>/lib (pyenv does):
        # drop it so the extension's only RUNPATH is $ORIGIN.
        self.compiler.linker_so = [
            arg for arg in self.compiler.linker_so
            if not arg.startswith(("-Wl,-rpath", "-Wl,-R", "-Wl,--enable-new-dtags"))
        ]
        super().build_extensions()

    def build_extension(self, ext: Extension) -> None:
        package_dir = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        os.makedirs(package_dir, exist_ok=True)
        target = os.path.join(package_dir, LIBRARY)
        shutil.copyfile(self.engine_lib, target)
        os.chmod(target, 0o755)
        ext.library_dirs = [package_dir]
        ext.libraries = [PRODUCT]
        ext.extra_link_args = ["-Wl,-rpath,$ORIGIN"]
        super().build_extension(ext)

    def get_outputs(self) -> list[str]:
        outputs = super().get_outputs()
        for ext in self.extensions:
            outputs.append(
                os.path.join(os.path.dirname(self.get_ext_fullpath(ext.name)), LIBRARY)
            )
        return outputs


setup(
    ext_modules=[
        Extension(
            "causalfair._engine",
            sources=["CPythonShim/_engine.c"],
            include_dirs=["Sources/CausalFairEngine/include"],
            depends=["Sources/CausalFairEngine/include/causalfair.h"],
            extra_compile_args=["-std=c11", "-O2", "-Wall", "-Wextra"],
        )
    ],
    cmdclass={"build_ext": BuildEngineThenExtension},
)
