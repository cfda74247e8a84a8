#!/bin/bash
# Photo recipes on lfpw-train (ibug-68): the same project, the same seed and split, N minutes each; kps evaluate --json after.
# Usage: MIN=6 bash bench/photo-recipes.sh OUT_DIR A B C D   (A-I: see the case below)
#   (docs/training.md "Photo recipes"; results in OUT_DIR/results.jsonl)
set -u
cd "$(dirname "$0")/.."
D=$(realpath "$1"); shift
mkdir -p "$D"
DATA=${KPS_DATA_DIR:-../shared/data}
KPS="node bin/kps.js"
P=$D/lfpw.kps
MIN=${MIN:-6}
echo '{"inputSize":128}' > $D/in128.json
echo '{"inputSize":160}' > $D/in160.json
echo '{"inputSize":112}' > $D/in112.json
if [ ! -f $P ]; then
  $KPS new $P --schema ibug-68 > $D/setup.log 2>&1
  $KPS import $P "$DATA/lfpw-train" --format pts >> $D/setup.log 2>&1
fi
PHOTO=photo
run() {
  local name=$1; shift
  echo "=== $name $(date +%T)" >> $D/runs.log
  $KPS train $P --minutes $MIN --epochs 400 --name "$name" --json "$@" > $D/$name.train.jsonl 2> $D/$name.train.err
  local id=$(tail -1 $D/$name.train.jsonl | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).run)}catch{console.log("")}})')
  echo "run $id $(date +%T)" >> $D/runs.log
  [ -n "$id" ] && $KPS evaluate $P --run $id --json > $D/$name.eval.json 2> $D/$name.eval.err
  node -e '
    const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const f=r.test.face||{};
    console.log(JSON.stringify({name:process.argv[2], run:r.run, epochs:r.epochs?.length, test_samples:r.test.samples, nme_outer:f.nme_outer, nme_pupil:f.nme_pupil, failure:f.failure_rate, auc:f.auc, rmse_px:r.test.rmse_px, baseline:r.baseline}))' $D/$name.eval.json $name >> $D/results.jsonl 2>> $D/runs.log
}
for spec in "$@"; do
  case $spec in
    A) run A_96_light ;;
    B) run B_128_light --config $D/in128.json ;;
    C) run C_128_photo --config $D/in128.json --augment "$PHOTO" ;;
    D) run D_96_photo --augment "$PHOTO" ;;
    E) run E_160_photo --config $D/in160.json --augment "$PHOTO" ;;
    F) run F_face68_96_light --model face68 ;;
    G) run G_face68_112_light --model face68 --config $D/in112.json ;;
    H) run H_resnet18_128_light --model resnet18 --config $D/in128.json ;;
    I) run I_unet_96_light --model unet ;;
  esac
done
echo "done $(date +%T)" >> $D/runs.log
